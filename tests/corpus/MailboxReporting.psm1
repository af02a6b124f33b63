#Requires -Version 5.1
#Requires -Modules ExchangeOnlineManagement

<#
    MailboxReporting.psm1
    Reporting helpers used by the messaging team's weekly jobs.
    Every public function writes objects to the pipeline; formatting is left to the caller
    except for ConvertTo-MailboxHtmlReport, which produces a self-contained HTML page.
#>

Set-StrictMode -Version Latest

$script:DefaultResultSize = 'Unlimited'
$script:SizePattern = '\((?<bytes>[\d,\.]+) bytes\)'
$script:ReportCss = @'
<style>
    body  { font-family: "Segoe UI", Tahoma, sans-serif; font-size: 10pt; color: #222; }
    h1    { font-size: 16pt; color: #0b5394; margin-bottom: 4px; }
    h2    { font-size: 12pt; color: #444; margin-top: 24px; }
    table { border-collapse: collapse; width: 100%; }
    th    { background: #0b5394; color: #fff; text-align: left; padding: 4px 8px; }
    td    { border-bottom: 1px solid #ddd; padding: 3px 8px; }
    tr:nth-child(even) { background: #f3f6fa; }
    .warn { color: #b45f06; font-weight: bold; }
    .crit { color: #cc0000; font-weight: bold; }
</style>
'@

function ConvertTo-ByteCount {
    <#
    .SYNOPSIS
        Converts an Exchange ByteQuantifiedSize string to a number of bytes.
    .DESCRIPTION
        Deserialized objects from remote sessions turn ByteQuantifiedSize into strings such as
        "1.234 GB (1,324,997,410 bytes)". This function extracts the exact byte count so sizes
        can be summed and compared regardless of how the object arrived.
    .PARAMETER Size
        The size object or its string form.
    .EXAMPLE
        ConvertTo-ByteCount '12.5 MB (13,107,200 bytes)'
    #>
    [CmdletBinding()]
    [OutputType([long])]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [AllowNull()]
        [object]$Size
    )
    process {
        if ($null -eq $Size) {
            return [long]0
        }
        if ($Size.PSObject.Methods.Name -contains 'ToBytes') {
            return [long]$Size.ToBytes()
        }
        $text = [string]$Size
        if ($text -match $script:SizePattern) {
            return [long]($Matches['bytes'] -replace '[,\.]', '')
        }
        if ($text -eq 'Unlimited') {
            return [long]::MaxValue
        }
        Write-Warning "Unrecognised size value '$text'"
        [long]0
    }
}

function Format-ByteCount {
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [long]$Bytes,

        [ValidateRange(0, 4)]
        [int]$Decimals = 2
    )
    process {
        switch ($Bytes) {
            { $_ -ge 1TB } { '{0:N*} TB'.Replace('*', $Decimals) -f ($_ / 1TB); break }
            { $_ -ge 1GB } { '{0:N*} GB'.Replace('*', $Decimals) -f ($_ / 1GB); break }
            { $_ -ge 1MB } { '{0:N*} MB'.Replace('*', $Decimals) -f ($_ / 1MB); break }
            { $_ -ge 1KB } { '{0:N*} KB'.Replace('*', $Decimals) -f ($_ / 1KB); break }
            default { "$_ B" }
        }
    }
}

function Get-MailboxSizeReport {
    <#
    .SYNOPSIS
        Returns one object per mailbox with its size, item count and quota usage.
    .DESCRIPTION
        Uses Get-EXOMailbox and Get-EXOMailboxStatistics so the report runs over REST. The
        archive is included when -IncludeArchive is given. Mailboxes whose statistics cannot
        be read (for example, never logged on) are reported with zero sizes and a note.
    .PARAMETER Identity
        Mailboxes to report on. Accepts pipeline input by value and by property name.
    .PARAMETER RecipientTypeDetails
        Restricts the report to the given mailbox types when no identity is supplied.
    .PARAMETER IncludeArchive
        Also read archive statistics.
    .EXAMPLE
        Get-MailboxSizeReport -RecipientTypeDetails SharedMailbox | Sort-Object TotalBytes -Descending
    .EXAMPLE
        'alice@contoso.com','bob@contoso.com' | Get-MailboxSizeReport -IncludeArchive
    .NOTES
        Requires an existing Connect-ExchangeOnline connection.
    #>
    [CmdletBinding(DefaultParameterSetName = 'All')]
    param(
        [Parameter(ParameterSetName = 'Identity', Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName', 'PrimarySmtpAddress')]
        [string[]]$Identity,

        [Parameter(ParameterSetName = 'All')]
        [ValidateSet('UserMailbox', 'SharedMailbox', 'RoomMailbox', 'EquipmentMailbox')]
        [string[]]$RecipientTypeDetails = @('UserMailbox', 'SharedMailbox'),

        [switch]$IncludeArchive
    )

    begin {
        $properties = 'DisplayName', 'PrimarySmtpAddress', 'RecipientTypeDetails', 'ProhibitSendQuota', 'ArchiveStatus'
        $mailboxes = [System.Collections.Generic.List[object]]::new()
        if ($PSCmdlet.ParameterSetName -eq 'All') {
            $params = @{
                ResultSize           = $script:DefaultResultSize
                RecipientTypeDetails = $RecipientTypeDetails
                Properties           = $properties
            }
            foreach ($m in (Get-EXOMailbox @params)) {
                $mailboxes.Add($m)
            }
        }
    }

    process {
        if ($PSCmdlet.ParameterSetName -eq 'Identity') {
            foreach ($id in $Identity) {
                try {
                    $mailboxes.Add((Get-EXOMailbox -Identity $id -Properties $properties -ErrorAction Stop))
                }
                catch {
                    Write-Error -Message "Mailbox '$id' not found: $($_.Exception.Message)" -Category ObjectNotFound
                }
            }
        }
    }

    end {
        $total = $mailboxes.Count
        $index = 0
        foreach ($mbx in $mailboxes) {
            $index++
            if ($total -gt 20) {
                $pct = [int](100 * $index / $total)
                Write-Progress -Activity 'Mailbox size report' -Status "$index of $total" -PercentComplete $pct
            }

            $note = $null
            try {
                $stats = Get-EXOMailboxStatistics -Identity $mbx.PrimarySmtpAddress -ErrorAction Stop
                $bytes = ConvertTo-ByteCount $stats.TotalItemSize
                $deleted = ConvertTo-ByteCount $stats.TotalDeletedItemSize
                $items = $stats.ItemCount
            }
            catch {
                $bytes = 0L
                $deleted = 0L
                $items = 0
                $note = 'Statistics unavailable'
            }

            $quota = ConvertTo-ByteCount $mbx.ProhibitSendQuota
            $usage = if ($quota -gt 0 -and $quota -ne [long]::MaxValue) { [math]::Round(100.0 * $bytes / $quota, 1) } else { $null }

            $row = [ordered]@{
                DisplayName  = $mbx.DisplayName
                Address      = [string]$mbx.PrimarySmtpAddress
                Type         = [string]$mbx.RecipientTypeDetails
                ItemCount    = $items
                TotalBytes   = $bytes
                DeletedBytes = $deleted
                TotalSize    = Format-ByteCount $bytes
                QuotaPercent = $usage
                Note         = $note
            }

            if ($IncludeArchive -and $mbx.ArchiveStatus -eq 'Active') {
                $arch = Get-EXOMailboxStatistics -Identity $mbx.PrimarySmtpAddress -Archive -ErrorAction SilentlyContinue
                $row['ArchiveBytes'] = if ($arch) { ConvertTo-ByteCount $arch.TotalItemSize } else { 0L }
            }

            [PSCustomObject]$row
        }
        if ($total -gt 20) {
            Write-Progress -Activity 'Mailbox size report' -Completed
        }
    }
}

function Get-MailboxPermissionReport {
    <#
    .SYNOPSIS
        Lists explicit FullAccess, SendAs and SendOnBehalf grants.
    .PARAMETER Identity
        Mailbox to inspect.
    .PARAMETER ExcludeSelf
        Skip the NT AUTHORITY\SELF entry that every mailbox carries.
    .EXAMPLE
        Get-EXOMailbox -RecipientTypeDetails SharedMailbox | Get-MailboxPermissionReport
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
        [Alias('PrimarySmtpAddress')]
        [string]$Identity,

        [switch]$ExcludeSelf = $true
    )

    process {
        $full = Get-EXOMailboxPermission -Identity $Identity |
            Where-Object { -not $_.IsInherited -and $_.AccessRights -contains 'FullAccess' }
        if ($ExcludeSelf) {
            $full = $full | Where-Object { $_.User -notlike 'NT AUTHORITY\SELF' }
        }
        foreach ($entry in $full) {
            [PSCustomObject]@{
                Mailbox = $Identity
                Trustee = $entry.User
                Right   = 'FullAccess'
                Deny    = [bool]$entry.Deny
            }
        }

        Get-EXORecipientPermission -Identity $Identity |
            Where-Object { $_.Trustee -ne 'NT AUTHORITY\SELF' -and $_.AccessRights -contains 'SendAs' } |
            ForEach-Object {
                [PSCustomObject]@{
                    Mailbox = $Identity
                    Trustee = $_.Trustee
                    Right   = 'SendAs'
                    Deny    = $_.AccessControlType -eq 'Deny'
                }
            }

        $mbx = Get-EXOMailbox -Identity $Identity -Properties GrantSendOnBehalfTo
        foreach ($delegate in @($mbx.GrantSendOnBehalfTo)) {
            [PSCustomObject]@{
                Mailbox = $Identity
                Trustee = $delegate
                Right   = 'SendOnBehalf'
                Deny    = $false
            }
        }
    }
}

function Get-InactiveMailbox {
    <#
    .SYNOPSIS
        Finds mailboxes nobody has logged on to for a number of days.
    .PARAMETER Days
        Inactivity threshold; between 7 and 3650 days.
    .EXAMPLE
        Get-InactiveMailbox -Days 120 | Export-Csv inactive.csv -NoTypeInformation
    #>
    [CmdletBinding()]
    param(
        [ValidateRange(7, 3650)]
        [int]$Days = 90,

        [ValidateScript({ $_ -in 'UserMailbox', 'SharedMailbox' })]
        [string]$Type = 'UserMailbox'
    )

    $cutoff = (Get-Date).Date.AddDays(-$Days)
    Write-Verbose ("Cut-off date {0:yyyy-MM-dd}" -f $cutoff)

    Get-EXOMailbox -RecipientTypeDetails $Type -ResultSize $script:DefaultResultSize |
        Get-EXOMailboxStatistics -PropertySets All -ErrorAction SilentlyContinue |
        Where-Object { $null -eq $_.LastLogonTime -or $_.LastLogonTime -lt $cutoff } |
        Select-Object DisplayName,
            @{ Name = 'LastLogon'; Expression = { if ($_.LastLogonTime) { $_.LastLogonTime.ToString('yyyy-MM-dd') } else { 'never' } } },
            @{ Name = 'DaysIdle'; Expression = { if ($_.LastLogonTime) { [int]((Get-Date) - $_.LastLogonTime).TotalDays } else { -1 } } },
            ItemCount
}

function Set-MailboxQuotaProfile {
    <#
    .SYNOPSIS
        Applies one of the standard quota profiles to mailboxes.
    .DESCRIPTION
        Profiles are defined by the messaging standard MSG-004. Supports -WhatIf and -Confirm.
    .PARAMETER Identity
        Mailboxes to change.
    .PARAMETER QuotaProfile
        Small (2 GB), Standard (50 GB) or Executive (100 GB).
    .EXAMPLE
        Import-Csv execs.csv | Set-MailboxQuotaProfile -QuotaProfile Executive -WhatIf
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    param(
        [Parameter(Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('UserPrincipalName')]
        [string[]]$Identity,

        [Parameter(Mandatory)]
        [ValidateSet('Small', 'Standard', 'Executive')]
        [string]$QuotaProfile
    )

    begin {
        $profiles = @{
            Small     = @{ IssueWarningQuota = 1.8GB; ProhibitSendQuota = 1.9GB; ProhibitSendReceiveQuota = 2GB }
            Standard  = @{ IssueWarningQuota = 45GB; ProhibitSendQuota = 48GB; ProhibitSendReceiveQuota = 50GB }
            Executive = @{ IssueWarningQuota = 90GB; ProhibitSendQuota = 95GB; ProhibitSendReceiveQuota = 100GB }
        }
        $settings = $profiles[$QuotaProfile]
        $changed = 0
    }

    process {
        foreach ($id in $Identity) {
            if ($PSCmdlet.ShouldProcess($id, "Apply quota profile '$QuotaProfile'")) {
                Set-Mailbox -Identity $id @settings -UseDatabaseQuotaDefaults $false
                $changed++
            }
        }
    }

    end {
        Write-Verbose "$changed mailbox(es) updated to profile $QuotaProfile"
    }
}

function ConvertTo-MailboxHtmlReport {
    <#
    .SYNOPSIS
        Renders size report rows as a standalone HTML page.
    .PARAMETER InputObject
        Rows produced by Get-MailboxSizeReport.
    .PARAMETER Title
        Page title and heading.
    .PARAMETER WarningPercent
        Quota usage from which a row is highlighted.
    .EXAMPLE
        Get-MailboxSizeReport | ConvertTo-MailboxHtmlReport -Title 'Weekly sizes' | Out-File sizes.html
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [psobject]$InputObject,

        [string]$Title = 'Mailbox size report',

        [ValidateRange(1, 100)]
        [int]$WarningPercent = 85
    )

    begin {
        $rows = [System.Collections.Generic.List[psobject]]::new()
    }
    process {
        $rows.Add($InputObject)
    }
    end {
        $totalBytes = ($rows | Measure-Object -Property TotalBytes -Sum).Sum
        $summary = @"
<h1>$([System.Net.WebUtility]::HtmlEncode($Title))</h1>
<p>Generated $(Get-Date -Format 'dddd d MMMM yyyy HH:mm') on $env:COMPUTERNAME.
$($rows.Count) mailboxes, $(Format-ByteCount ([long]$totalBytes)) in total.</p>
"@
        $fragment = $rows |
            Sort-Object TotalBytes -Descending |
            Select-Object DisplayName, Address, Type, ItemCount, TotalSize, QuotaPercent |
            ConvertTo-Html -Fragment -PreContent '<h2>Mailboxes</h2>'

        # ConvertTo-Html has no per-row styling, so colour the quota cells afterwards.
        $fragment = foreach ($line in $fragment) {
            if ($line -match '<td>(?<pct>\d+(\.\d+)?)</td></tr>$') {
                $pct = [double]$Matches['pct']
                $class = if ($pct -ge 100) { 'crit' } elseif ($pct -ge $WarningPercent) { 'warn' } else { '' }
                if ($class) {
                    $line = $line -replace '<td>(\d+(\.\d+)?)</td></tr>$', ('<td class="{0}">$1</td></tr>' -f $class)
                }
            }
            $line
        }

        ConvertTo-Html -Head $script:ReportCss -Title $Title -Body ($summary + ($fragment -join "`n")) |
            Out-String
    }
}

function Send-MailboxReport {
    <#
    .SYNOPSIS
        Mails an HTML report through the relay used by all scheduled jobs.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory)]
        [string]$Html,

        [Parameter(Mandatory)]
        [string[]]$To,

        [string]$From = 'reports@contoso.com',
        [string]$SmtpServer = 'smtp-relay.contoso.com',
        [int]$Port = 25,
        [string]$Subject = ('Mailbox report {0:yyyy-MM-dd}' -f (Get-Date))
    )

    $message = @{
        To         = $To
        From       = $From
        Subject    = $Subject
        Body       = $Html
        BodyAsHtml = $true
        SmtpServer = $SmtpServer
        Port       = $Port
        Encoding   = [System.Text.Encoding]::UTF8
    }
    if ($PSCmdlet.ShouldProcess(($To -join ', '), 'Send report')) {
        try {
            Send-MailMessage @message -ErrorAction Stop 3>$null
        }
        catch [System.Net.Mail.SmtpException] {
            Write-Error "SMTP relay refused the report: $($_.Exception.StatusCode)"
        }
    }
}

Export-ModuleMember -Function Get-MailboxSizeReport, Get-MailboxPermissionReport, Get-InactiveMailbox,
    Set-MailboxQuotaProfile, ConvertTo-MailboxHtmlReport, Send-MailboxReport, Format-ByteCount
