<#
.SYNOPSIS
    Investigation helper for the security team: who accessed a mailbox, which items were
    deleted, and whether a compliance search finds the reported message.
.DESCRIPTION
    Uses the old remote PowerShell connection through a splatted hashtable, one session for
    Exchange Online and one for Security & Compliance (prefix cc).
.PARAMETER Mailbox
    Mailbox under investigation.
.PARAMETER Days
    Look-back window for audit records (max 90).
.PARAMETER Subject
    Optional subject to search for with a compliance search.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string]$Mailbox,

    [ValidateRange(1, 90)]
    [int]$Days = 14,

    [string]$Subject,

    [pscredential]$Credential = (Get-Credential -Message 'Security investigator account')
)

$common = @{
    ConfigurationName = 'Microsoft.Exchange'
    Credential        = $Credential
    Authentication    = 'Basic'
    AllowRedirection  = $true
    ErrorAction       = 'Stop'
}

$exo = New-PSSession @common -ConnectionUri 'https://outlook.office365.com/powershell-liveid/'
Import-PSSession $exo -CommandName Search-MailboxAuditLog, Get-Mailbox, Get-MailboxFolderStatistics -AllowClobber | Out-Null

$scc = New-PSSession @common -ConnectionUri 'https://ps.compliance.protection.outlook.com/powershell-liveid/'
Import-PSSession $scc -Prefix cc -CommandName New-ComplianceSearch, Start-ComplianceSearch, Get-ComplianceSearch, Remove-ComplianceSearch -AllowClobber | Out-Null

try {
    $mbx = Get-Mailbox -Identity $Mailbox
    $start = (Get-Date).AddDays(-$Days)
    $end = Get-Date

    # Non-owner access first: that is what the incident ticket usually asks about.
    $audit = Search-MailboxAuditLog -Identity $mbx.Identity -LogonTypes Delegate, Admin -ShowDetails -StartDate $start -EndDate $end -ResultSize 5000
    $access = $audit | Group-Object LogonUserDisplayName, Operation | ForEach-Object {
        $first = $_.Group | Sort-Object LastAccessed | Select-Object -First 1
        $last = $_.Group | Sort-Object LastAccessed -Descending | Select-Object -First 1
        [PSCustomObject]@{
            User      = $first.LogonUserDisplayName
            Operation = $first.Operation
            Count     = $_.Count
            First     = $first.LastAccessed
            Last      = $last.LastAccessed
            ClientIP  = ($_.Group.ClientIPAddress | Sort-Object -Unique) -join ', '
        }
    }
    Write-Host "`nNon-owner access to $($mbx.PrimarySmtpAddress) in the last $Days days:" -ForegroundColor Cyan
    $access | Sort-Object Count -Descending | Format-Table -AutoSize

    $deletes = Search-MailboxAuditLog -Identity $mbx.Identity -LogonTypes Owner, Delegate -ShowDetails -StartDate $start -EndDate $end -Operations SoftDelete, HardDelete, MoveToDeletedItems
    Write-Host ("{0} delete operations" -f @($deletes).Count) -ForegroundColor Cyan
    $deletes | Select-Object LastAccessed, Operation, LogonUserDisplayName, SourceItemSubjectsList, FolderPathName |
        Sort-Object LastAccessed -Descending |
        Select-Object -First 50 |
        Format-Table -Wrap

    if ($Subject) {
        $name = 'INV-{0}-{1:yyyyMMddHHmm}' -f ($mbx.Alias -replace '\W', ''), (Get-Date)
        $query = 'subject:"{0}"' -f ($Subject -replace '"', '')
        New-ccComplianceSearch -Name $name -ExchangeLocation $mbx.PrimarySmtpAddress -ContentMatchQuery $query | Out-Null
        Start-ccComplianceSearch -Identity $name
        $timeout = (Get-Date).AddMinutes(10)
        do {
            Start-Sleep -Seconds 10
            $cs = Get-ccComplianceSearch -Identity $name
        } until ($cs.Status -eq 'Completed' -or (Get-Date) -gt $timeout)
        Write-Host ("Compliance search {0}: {1} item(s), {2:N0} bytes" -f $name, $cs.Items, $cs.Size) -ForegroundColor Cyan
        Remove-ccComplianceSearch -Identity $name -Confirm:$false
    }
}
finally {
    Remove-PSSession $exo, $scc
}
