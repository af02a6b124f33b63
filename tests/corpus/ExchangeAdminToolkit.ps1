<#
.SYNOPSIS
    Menu-driven Exchange Online toolkit for second-line support.
.DESCRIPTION
    Written for the 2017 Office 365 migration and extended ever since. Connects with the
    remote PowerShell endpoint (Basic auth) and offers the everyday tasks: mailbox
    permissions, out-of-office, forwarding, calendar delegates, litigation hold, message
    trace, and a few reports.
.NOTES
    Version 4.6 - keep the changelog at the bottom up to date.
#>
[CmdletBinding()]
param(
    [string]$AdminUpn,
    [switch]$Compliance,
    [ValidateSet('Commercial', 'GCCHigh')]
    [string]$Cloud = 'Commercial'
)

$Host.UI.RawUI.WindowTitle = 'Exchange Admin Toolkit 4.6'
$ErrorActionPreference = 'Continue'
$script:LogPath = Join-Path $env:TEMP ("ExchangeToolkit_{0:yyyyMMdd}.log" -f (Get-Date))

#region Helpers
function Write-ToolkitLog {
    param([string]$Text)
    Add-Content -Path $script:LogPath -Value ("{0:HH:mm:ss} {1}" -f (Get-Date), $Text)
}

function Read-Identity {
    param([string]$Prompt = 'Mailbox (name, alias or address)')
    do {
        $id = (Read-Host $Prompt).Trim()
        if (-not $id) { return $null }
        $found = Get-Recipient -Identity $id -ErrorAction SilentlyContinue
        if (-not $found) {
            Write-Host "  '$id' not found, try again (empty to cancel)" -ForegroundColor Yellow
        }
        elseif (@($found).Count -gt 1) {
            Write-Host "  '$id' is ambiguous:" -ForegroundColor Yellow
            $found | ForEach-Object { Write-Host "    $($_.PrimarySmtpAddress)" }
            $found = $null
        }
    } until ($found)
    return $found.PrimarySmtpAddress.ToString()
}

function Confirm-Action {
    param([string]$Question)
    $answer = Read-Host "$Question [y/N]"
    return $answer -match '^(y|yes|j|ja)$'
}

function Pause-Toolkit {
    Write-Host ''
    [void](Read-Host 'Press Enter to continue')
}
#endregion

#region Connection
function Connect-Toolkit {
    if (Get-PSSession | Where-Object { $_.ConfigurationName -eq 'Microsoft.Exchange' -and $_.State -eq 'Opened' }) {
        return
    }

    $credential = if ($AdminUpn) { Get-Credential -UserName $AdminUpn -Message 'Exchange Online admin' } else { Get-Credential }
    $uri = switch ($Cloud) {
        'Commercial' { 'https://outlook.office365.com/powershell-liveid/' }
        'GCCHigh'    { 'https://outlook.office365.us/powershell-liveid/' }
    }

    Write-Host "Connecting to $uri ..." -ForegroundColor Cyan
    $global:ExoSession = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri $uri -Credential $credential -Authentication Basic -AllowRedirection -ErrorAction Stop
    Import-Module (Import-PSSession $global:ExoSession -DisableNameChecking -AllowClobber) -Global -WarningAction SilentlyContinue | Out-Null

    if ($Compliance) {
        $global:SccSession = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://ps.compliance.protection.outlook.com/powershell-liveid/ -Credential $credential -Authentication Basic -AllowRedirection
        Import-PSSession $global:SccSession -Prefix cc -AllowClobber -DisableNameChecking | Out-Null
    }
    Write-ToolkitLog "Connected as $($credential.UserName) to $Cloud"
}
#endregion

#region Tasks
function Show-MailboxSummary {
    $id = Read-Identity
    if (-not $id) { return }
    $m = Get-Mailbox -Identity $id
    $s = Get-MailboxStatistics -Identity $id
    $cas = Get-CASMailbox -Identity $id
    [PSCustomObject]@{
        Name            = $m.DisplayName
        Address         = $m.PrimarySmtpAddress
        Type            = $m.RecipientTypeDetails
        Size            = $s.TotalItemSize
        Items           = $s.ItemCount
        LastLogon       = $s.LastLogonTime
        Forwarding      = $m.ForwardingSmtpAddress
        LitigationHold  = $m.LitigationHoldEnabled
        Archive         = $m.ArchiveStatus
        OWA             = $cas.OWAEnabled
        ActiveSync      = $cas.ActiveSyncEnabled
        'POP/IMAP'      = '{0}/{1}' -f $cas.PopEnabled, $cas.ImapEnabled
        Aliases         = ($m.EmailAddresses | Where-Object { $_ -clike 'smtp:*' } | ForEach-Object { $_.Substring(5) }) -join ', '
    } | Format-List
}

function Grant-MailboxAccess {
    $id = Read-Identity 'Mailbox to share'
    if (-not $id) { return }
    $user = Read-Identity 'User who gets access'
    if (-not $user) { return }

    Write-Host '  1) Full Access'
    Write-Host '  2) Send As'
    Write-Host '  3) Send on Behalf'
    Write-Host '  4) Full Access + Send As'
    $choice = Read-Host '  Choice'
    $automap = $true
    if ($choice -in '1', '4') {
        $automap = -not (Confirm-Action '  Disable Outlook auto-mapping?')
    }

    switch ($choice) {
        '1' { Add-MailboxPermission -Identity $id -User $user -AccessRights FullAccess -InheritanceType All -AutoMapping $automap | Out-Null }
        '2' { Add-RecipientPermission -Identity $id -Trustee $user -AccessRights SendAs -Confirm:$false | Out-Null }
        '3' { Set-Mailbox -Identity $id -GrantSendOnBehalfTo @{ Add = $user } }
        '4' {
            Add-MailboxPermission -Identity $id -User $user -AccessRights FullAccess -InheritanceType All -AutoMapping $automap | Out-Null
            Add-RecipientPermission -Identity $id -Trustee $user -AccessRights SendAs -Confirm:$false | Out-Null
        }
        default { Write-Host '  Nothing done.'; return }
    }
    Write-Host "  Done. Outlook can take up to 60 minutes to show the mailbox." -ForegroundColor Green
    Write-ToolkitLog "Access $choice on $id for $user"
}

function Set-OutOfOffice {
    $id = Read-Identity
    if (-not $id) { return }
    $current = Get-MailboxAutoReplyConfiguration -Identity $id
    Write-Host "  Current state: $($current.AutoReplyState)"
    if ($current.AutoReplyState -ne 'Disabled' -and (Confirm-Action '  Switch it off?')) {
        Set-MailboxAutoReplyConfiguration -Identity $id -AutoReplyState Disabled
        return
    }

    $start = Read-Host '  Start (yyyy-MM-dd HH:mm, empty = now)'
    $end = Read-Host '  End (yyyy-MM-dd HH:mm, empty = open-ended)'
    $internal = Read-Host '  Internal message'
    $external = Read-Host '  External message (empty = same as internal)'
    if (-not $external) { $external = $internal }

    $params = @{
        Identity        = $id
        InternalMessage = "<html><body><p>$([System.Net.WebUtility]::HtmlEncode($internal))</p></body></html>"
        ExternalMessage = "<html><body><p>$([System.Net.WebUtility]::HtmlEncode($external))</p></body></html>"
        ExternalAudience = 'All'
    }
    if ($start -or $end) {
        $params.AutoReplyState = 'Scheduled'
        $params.StartTime = if ($start) { [datetime]$start } else { Get-Date }
        $params.EndTime = if ($end) { [datetime]$end } else { (Get-Date).AddYears(1) }
    }
    else {
        $params.AutoReplyState = 'Enabled'
    }
    Set-MailboxAutoReplyConfiguration @params
    Write-ToolkitLog "Out of office on $id ($($params.AutoReplyState))"
}

function Set-Forwarding {
    $id = Read-Identity
    if (-not $id) { return }
    $target = Read-Host '  Forward to (empty = remove forwarding)'
    if (-not $target) {
        Set-Mailbox -Identity $id -ForwardingSmtpAddress $null -ForwardingAddress $null
        Write-Host '  Forwarding removed.'
        return
    }
    $keep = Confirm-Action '  Keep a copy in the mailbox?'
    if ($target -notmatch '@contoso\.com$' -and -not (Confirm-Action "  $target is external. Security approval ticket exists?")) {
        return
    }
    Set-Mailbox -Identity $id -ForwardingSmtpAddress "smtp:$target" -DeliverToMailboxAndForward $keep
    Write-ToolkitLog "Forwarding $id -> $target (keep=$keep)"
}

function Get-CalendarDelegates {
    $id = Read-Identity
    if (-not $id) { return }
    $folder = (Get-MailboxFolderStatistics -Identity $id -FolderScope Calendar | Where-Object FolderType -eq 'Calendar').Name
    Get-MailboxFolderPermission -Identity "${id}:\$folder" |
        Select-Object User, AccessRights, SharingPermissionFlags |
        Format-Table -AutoSize
}

function Invoke-MessageTrace {
    $sender = Read-Host '  Sender address (empty = any)'
    $recipient = Read-Host '  Recipient address (empty = any)'
    $hours = Read-Host '  Hours back (default 24, max 240)'
    if (-not ($hours -as [int])) { $hours = 24 }
    $hours = [math]::Min([int]$hours, 240)

    $trace = @{
        StartDate = (Get-Date).AddHours(-$hours)
        EndDate   = Get-Date
        PageSize  = 5000
    }
    if ($sender) { $trace.SenderAddress = $sender }
    if ($recipient) { $trace.RecipientAddress = $recipient }

    $page = 1
    $all = @()
    do {
        $batch = Get-MessageTrace @trace -Page $page
        $all += $batch
        $page++
    } while (@($batch).Count -eq 5000 -and $page -le 10)

    $all | Sort-Object Received -Descending |
        Select-Object Received, SenderAddress, RecipientAddress, Subject, Status |
        Out-GridView -Title "Message trace ($(@($all).Count) messages)"
}

function Export-SharedMailboxReport {
    $file = Join-Path ([Environment]::GetFolderPath('Desktop')) ("SharedMailboxes_{0:yyyyMMdd}.csv" -f (Get-Date))
    $shared = Get-Mailbox -RecipientTypeDetails SharedMailbox -ResultSize Unlimited
    $i = 0
    $rows = foreach ($sm in $shared) {
        $i++
        Write-Progress -Activity 'Shared mailboxes' -Status $sm.DisplayName -PercentComplete ($i * 100 / $shared.Count)
        $perm = Get-MailboxPermission -Identity $sm.Identity |
            Where-Object { -not $_.IsInherited -and $_.User -notlike 'NT AUTHORITY\*' -and $_.User -notlike 'S-1-5-*' }
        [PSCustomObject]@{
            Name        = $sm.DisplayName
            Address     = $sm.PrimarySmtpAddress
            FullAccess  = ($perm.User -join '; ')
            SendAs      = ((Get-RecipientPermission -Identity $sm.Identity | Where-Object Trustee -notlike 'NT AUTHORITY\*').Trustee -join '; ')
            SizeGB      = [math]::Round(((Get-MailboxStatistics $sm.Identity).TotalItemSize.ToString() -replace '.*\(|,| bytes\)', '') / 1GB, 2)
        }
    }
    Write-Progress -Activity 'Shared mailboxes' -Completed
    $rows | Export-Csv -Path $file -NoTypeInformation -Encoding UTF8
    Write-Host "  Saved $file" -ForegroundColor Green
}

function Set-LitigationHold {
    $id = Read-Identity
    if (-not $id) { return }
    $days = Read-Host '  Duration in days (empty = unlimited)'
    $owner = Read-Host '  Legal ticket number'
    if ($owner -notmatch '^LEG-\d{4,}$') {
        Write-Host '  A LEG-nnnn ticket number is required.' -ForegroundColor Red
        return
    }
    $hold = @{
        Identity              = $id
        LitigationHoldEnabled = $true
        LitigationHoldOwner   = $owner
    }
    if ($days -as [int]) { $hold.LitigationHoldDuration = [int]$days }
    Set-Mailbox @hold
    Write-ToolkitLog "Litigation hold on $id ($owner, $days days)"
}
#endregion

#region Menu
$menu = [ordered]@{
    '1' = @{ Text = 'Mailbox summary'; Action = ${function:Show-MailboxSummary} }
    '2' = @{ Text = 'Grant mailbox access'; Action = ${function:Grant-MailboxAccess} }
    '3' = @{ Text = 'Out of office'; Action = ${function:Set-OutOfOffice} }
    '4' = @{ Text = 'Forwarding'; Action = ${function:Set-Forwarding} }
    '5' = @{ Text = 'Calendar delegates'; Action = ${function:Get-CalendarDelegates} }
    '6' = @{ Text = 'Message trace'; Action = ${function:Invoke-MessageTrace} }
    '7' = @{ Text = 'Shared mailbox report'; Action = ${function:Export-SharedMailboxReport} }
    '8' = @{ Text = 'Litigation hold'; Action = ${function:Set-LitigationHold} }
}

try {
    Connect-Toolkit
}
catch {
    Write-Host "Connection failed: $($_.Exception.Message)" -ForegroundColor Red
    return
}

:menu while ($true) {
    Clear-Host
    Write-Host '=== Exchange Admin Toolkit ===' -ForegroundColor Cyan
    foreach ($key in $menu.Keys) {
        Write-Host (' {0}) {1}' -f $key, $menu[$key].Text)
    }
    Write-Host ' Q) Quit'
    $sel = Read-Host 'Choice'

    switch -Regex ($sel) {
        '^[qQ]$' { break menu }
        '^\d$' {
            if ($menu.Contains($sel)) {
                try {
                    & $menu[$sel].Action
                }
                catch {
                    Write-Host "Error: $($_.Exception.Message)" -ForegroundColor Red
                    Write-ToolkitLog "ERROR in $($menu[$sel].Text): $($_.Exception.Message)"
                }
                Pause-Toolkit
            }
        }
        default { continue menu }
    }
}

Get-PSSession | Where-Object { $_.ComputerName -match 'outlook\.office365\.(com|us)$|compliance' } | Remove-PSSession
Write-Host "Log: $script:LogPath"
#endregion

<#
Changelog
4.6  GCC High endpoint, litigation hold ticket check
4.5  Shared mailbox report includes Send As
4.4  Message trace paging
4.0  Menu rewritten as a table of script blocks
#>
