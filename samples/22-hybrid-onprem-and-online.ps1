# 22-hybrid-onprem-and-online.ps1
# Demonstrates: a hybrid migration helper holding an on-premises session (prefix
# OnPrem, Kerberos, must stay) and an Exchange Online session side by side, with
# the unfiltered Get-PSSession | Remove-PSSession that closes both.

param(
    [Parameter(Mandatory = $true)]
    [string]$BatchCsv
)

$c = Get-Credential -Message 'Exchange Online admin'

$op = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri http://ex01.corp.example/PowerShell/ -Authentication Kerberos
Import-PSSession $op -Prefix OnPrem -AllowClobber

$ol = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Credential $c -Authentication Basic -AllowRedirection
Import-PSSession $ol -AllowClobber

$endpoint = Get-MigrationEndpoint | Where-Object { $_.EndpointType -eq 'ExchangeRemoteMove' } | Select-Object -First 1
$users = Import-Csv -Path $BatchCsv

foreach ($u in $users) {
    $onprem = Get-OnPremRemoteMailbox -Identity $u.EmailAddress -ErrorAction SilentlyContinue
    if ($onprem) {
        Write-Host "$($u.EmailAddress) is already in the cloud" -ForegroundColor Yellow
        continue
    }
    $local = Get-OnPremMailbox -Identity $u.EmailAddress
    New-MoveRequest -Identity $local.ExchangeGuid.ToString() -Remote -RemoteHostName $endpoint.RemoteServer `
        -TargetDeliveryDomain 'contoso.mail.onmicrosoft.com' -RemoteCredential $c -BadItemLimit 10 -SuspendWhenReadyToComplete
}

Get-MoveRequest | Get-MoveRequestStatistics | Select-Object DisplayName, StatusDetail, PercentComplete

Get-PSSession | Remove-PSSession
