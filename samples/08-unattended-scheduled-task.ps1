# 08-unattended-scheduled-task.ps1
# Demonstrates: "Connect to run unattended scripts" as it was done before app-only
# auth: a DPAPI-encrypted password file read at 2 a.m. by a scheduled task, plus the
# unattended OAuth variant (BasicAuthToOAuthConversion with the SystemMailbox email)
# when a token file is present. Both branches assign the same session variable.

$ErrorActionPreference = 'Stop'
$svcAccount = 'svc-exo@contoso.onmicrosoft.com'
$pwFile = 'C:\Scripts\Secure\svc-exo.txt'
$tokenFile = 'C:\Scripts\Secure\svc-exo.token'
$logFile = 'C:\Scripts\Logs\litigation-hold-{0:yyyyMMdd}.log' -f (Get-Date)

function Write-Log([string]$Message) {
    "{0:u} {1}" -f (Get-Date), $Message | Add-Content -Path $logFile
}

if (Test-Path $tokenFile) {
    $token = Get-Content $tokenFile -Raw
    $oauthTokenAsPassword = ConvertTo-SecureString $token -AsPlainText -Force
    $o365cred = New-Object System.Management.Automation.PSCredential ($svcAccount, $oauthTokenAsPassword)
    $Session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri "https://outlook.office365.com/PowerShell-LiveID/?BasicAuthToOAuthConversion=true&email=SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@contoso.onmicrosoft.com" -Credential $o365cred -Authentication Basic -AllowRedirection
}
else {
    $secpasswd = Get-Content $pwFile | ConvertTo-SecureString
    $o365cred = New-Object System.Management.Automation.PSCredential ($svcAccount, $secpasswd)
    $Session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/PowerShell-LiveID/ -Credential $o365cred -Authentication Basic -AllowRedirection
}
Import-PSSession $Session -AllowClobber | Out-Null
Write-Log 'Connected'

try {
    $candidates = Get-Mailbox -ResultSize Unlimited -Filter "CustomAttribute5 -eq 'Legal'" |
        Where-Object { -not $_.LitigationHoldEnabled }
    foreach ($mbx in $candidates) {
        Set-Mailbox -Identity $mbx.Identity -LitigationHoldEnabled $true -LitigationHoldDuration 2555
        Write-Log "Hold enabled: $($mbx.PrimarySmtpAddress)"
    }
}
catch {
    Write-Log "FAILED: $($_.Exception.Message)"
    throw
}
finally {
    Remove-PSSession $Session
    Write-Log 'Disconnected'
}
