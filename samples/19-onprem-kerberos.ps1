# 19-onprem-kerberos.ps1
# Negative example: an on-premises Exchange 2016 server reached over http with
# Kerberos. This is NOT an Exchange Online connection and must stay untouched.

$ExchangeServer = 'exch01'

$OnPremSession = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri http://exch01/PowerShell/ -Authentication Kerberos
Import-PSSession $OnPremSession -DisableNameChecking | Out-Null

# Database copy health, the first thing checked every morning.
$dbs = Get-MailboxDatabase -Status | Sort-Object Name
foreach ($db in $dbs) {
    $copies = Get-MailboxDatabaseCopyStatus -Identity $db.Name
    foreach ($copy in $copies) {
        $colour = if ($copy.Status -in 'Mounted', 'Healthy') { 'Green' } else { 'Red' }
        Write-Host ("{0,-20} {1,-25} {2,-10} queue={3}" -f $db.Name, $copy.Name, $copy.Status, $copy.CopyQueueLength) -ForegroundColor $colour
    }
}

Get-Queue -Server $ExchangeServer | Where-Object { $_.MessageCount -gt 100 } |
    Select-Object Identity, DeliveryType, Status, MessageCount

Remove-PSSession $OnPremSession
