# 11-sovereign-clouds.ps1
# Demonstrates: sovereign clouds. The endpoint is chosen in a switch on a
# [ValidateSet()] parameter (GCC High, DoD, 21Vianet, Germany), so the URI is a
# variable with several reaching definitions, each in a different cloud. The
# commented lines are alternatives the author used to un-comment. UTF-8 with BOM.

param(
    [ValidateSet('Commercial', 'GCCHigh', 'DoD', 'China', 'Germany')]
    [string]$Cloud = 'Commercial'
)

#$uri = 'https://outlook.office365.com/powershell-liveid/'
#$uri = 'https://outlook.office365.us/powershell-liveid/'
#$uri = 'https://webmail.apps.mil/powershell-liveid'

switch ($Cloud) {
    'Commercial' { $uri = 'https://outlook.office365.com/powershell-liveid/' }
    'GCCHigh'    { $uri = 'https://outlook.office365.us/powershell-liveid/' }
    'DoD'        { $uri = 'https://webmail.apps.mil/powershell-liveid' }
    'China'      { $uri = 'https://partner.outlook.cn/PowerShell' }
    'Germany'    { $uri = 'https://outlook.office.de/powershell-liveid/' }
}

$cred = Get-Credential -Message "Admin for the $Cloud cloud"
$Session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri $uri -Credential $cred -Authentication Basic -AllowRedirection
Import-PSSession $Session -AllowClobber

# Sovereign tenants must keep external forwarding off; report any remote domain that allows it.
Get-RemoteDomain | Where-Object { $_.AutoForwardEnabled } |
    Select-Object Identity, DomainName, AutoForwardEnabled |
    Format-Table -AutoSize

Remove-PSSession $Session

# Fixed-cloud one-liners kept by the author for the GCC High and China tenants:
$gcc = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.us/powershell-liveID -Credential $cred -Authentication Basic -AllowRedirection
Import-PSSession $gcc -Prefix Gov -CommandName Get-Mailbox, Set-Mailbox -AllowClobber
Get-GovMailbox -ResultSize 10 | Select-Object DisplayName, PrimarySmtpAddress
Remove-PSSession $gcc

$cn = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://partner.outlook.cn/PowerShell-LiveID?proxyMethod=RPS -Credential $cred -Authentication Basic -AllowRedirection
Import-PSSession $cn -Prefix CN
Get-CNAcceptedDomain
Remove-PSSession $cn

# Security & Compliance in GCC High and DoD.
$sccHigh = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://ps.compliance.protection.office365.us/powershell-liveid/ -Credential $cred -Authentication Basic -AllowRedirection
Import-PSSession $sccHigh -Prefix cc -AllowClobber
Get-ccRetentionCompliancePolicy | Select-Object Name, Enabled, Mode
Remove-PSSession $sccHigh

$sccDoD = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://l5.ps.compliance.protection.office365.us/powershell-liveid/ -Credential $cred -Authentication Basic -AllowRedirection
Import-PSSession $sccDoD -Prefix cc -AllowClobber
Get-ccDlpCompliancePolicy | Select-Object Name, Mode
Remove-PSSession $sccDoD
