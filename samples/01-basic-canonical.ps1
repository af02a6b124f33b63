<#
    01-basic-canonical.ps1
    Demonstrates: the canonical three-step legacy connection from the old
    documentation (Get-Credential, New-PSSession ... -Authentication Basic,
    Import-PSSession) followed by a mailbox size report and Remove-PSSession.
#>

$UserCredential = Get-Credential -Message 'Exchange Online administrator'

$Session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Credential $UserCredential -Authentication Basic -AllowRedirection
Import-PSSession $Session -DisableNameChecking -AllowClobber

$reportPath = Join-Path $env:TEMP ("MailboxSizes_{0:yyyyMMdd}.csv" -f (Get-Date))
$report = @()

$mailboxes = Get-Mailbox -ResultSize Unlimited -RecipientTypeDetails UserMailbox
$i = 0
foreach ($mbx in $mailboxes) {
    $i++
    Write-Progress -Activity 'Collecting mailbox statistics' -Status $mbx.DisplayName -PercentComplete (($i / $mailboxes.Count) * 100)
    $stats = Get-MailboxStatistics -Identity $mbx.UserPrincipalName
    $report += [PSCustomObject]@{
        DisplayName       = $mbx.DisplayName
        PrimarySmtp       = $mbx.PrimarySmtpAddress
        ItemCount         = $stats.ItemCount
        TotalItemSize     = $stats.TotalItemSize
        LastLogonTime     = $stats.LastLogonTime
        ProhibitSendQuota = $mbx.ProhibitSendQuota
    }
}
Write-Progress -Activity 'Collecting mailbox statistics' -Completed

$report | Sort-Object DisplayName | Export-Csv -Path $reportPath -NoTypeInformation -Encoding UTF8
Write-Host "Report written to $reportPath ($($report.Count) mailboxes)"

Remove-PSSession $Session
