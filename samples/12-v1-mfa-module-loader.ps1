# 12-v1-mfa-module-loader.ps1
# Demonstrates: the EXO V1 "MFA module" delivered by ClickOnce: the loader block
# that searches %LOCALAPPDATA%\Apps\2.0 for CreateExoPSSession.ps1 and dot-sources
# it, Connect-EXOPSSession for Exchange Online, and the V1 Connect-IPPSSession
# wrapped in Import-Module ... -Global for Security & Compliance.

param(
    [string]$AdminUpn = 'ops@contoso.onmicrosoft.com'
)

if (-not (Get-Command Connect-EXOPSSession -ErrorAction SilentlyContinue)) {
    $v1 = Get-ChildItem "$env:LOCALAPPDATA\Apps\2.0\" -Filter CreateExoPSSession.ps1 -Recurse | Select-Object -Last 1
    if (-not $v1) {
        Write-Warning 'The Exchange Online Remote PowerShell Module is not installed.'
        Write-Warning 'Install it from the Exchange admin center (Hybrid > Configure) and run this script again.'
        return
    }
    . "$($v1.DirectoryName)\CreateExoPSSession.ps1"
}

Connect-EXOPSSession -UserPrincipalName $AdminUpn | Out-Null

$mobile = Get-MobileDevice -ResultSize Unlimited |
    Where-Object { $_.FirstSyncTime -lt (Get-Date).AddYears(-1) } |
    Select-Object UserDisplayName, DeviceModel, DeviceOS, FirstSyncTime

Write-Host ("{0} devices older than one year" -f @($mobile).Count)
$mobile | Export-Csv -Path .\stale-devices.csv -NoTypeInformation

Import-Module (Connect-IPPSSession -UserPrincipalName $AdminUpn) -Global
Get-RetentionCompliancePolicy | Select-Object Name, Enabled, Mode | Format-Table -AutoSize

# Second variant seen in the same repository: New-ExoPSSession + Import-PSSession.
$exo = New-ExoPSSession -UserPrincipalName $AdminUpn -ConnectionUri https://outlook.office365.com/powershell-liveid/
Import-PSSession $exo -AllowClobber
Get-AcceptedDomain | Format-Table DomainName, DomainType, Default
Get-PSSession | Remove-PSSession
