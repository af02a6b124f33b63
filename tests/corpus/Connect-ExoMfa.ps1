# Connect-ExoMfa.ps1
# Helper from 2019 for admins with MFA: loads the Exchange Online Remote PowerShell
# Module (the ClickOnce "EXO V1" module) and connects to Exchange Online and, on request,
# Security & Compliance.

param(
    [Parameter(Mandatory = $true)]
    [string]$UserPrincipalName,
    [switch]$Compliance
)

function Import-ExoV1Module {
    $modules = @(Get-ChildItem -Path "$($env:LOCALAPPDATA)\Apps\2.0\" -Filter 'Microsoft.Exchange.Management.ExoPowershellModule.dll' -Recurse -ErrorAction SilentlyContinue |
        Where-Object { $_.FullName -notmatch '_none_' } |
        Sort-Object LastWriteTime)
    if ($modules.Count -eq 0) {
        Write-Host 'Exchange Online Remote PowerShell Module not found.' -ForegroundColor Red
        Write-Host 'Opening the download page; install it and run this script again.'
        $ie = New-Object -ComObject InternetExplorer.Application
        $ie.Navigate2('https://cmdletpswmodule.blob.core.windows.net/exopsmodule/Microsoft.Online.CSE.PSModule.Client.application')
        $ie.Visible = $true
        return $false
    }
    $dll = $modules[-1].FullName
    Import-Module -FullyQualifiedName $dll -Force
    $script = Join-Path (Split-Path $dll -Parent) 'CreateExoPSSession.ps1'
    $loader = New-Module -ScriptBlock ([scriptblock]::Create((Get-Content -Path $script -Raw))) -Name ExoV1Loader
    Import-Module $loader -Global -Force
    return $true
}

if (-not (Get-Command Connect-EXOPSSession -ErrorAction SilentlyContinue)) {
    if (-not (Import-ExoV1Module)) { return }
}

# WinRM Basic must be allowed on the client even for the MFA module.
$basic = (winrm get winrm/config/client/auth | Select-String 'Basic = (\w+)').Matches.Groups[1].Value
if ($basic -ne 'true') {
    Write-Warning 'WinRM client Basic auth is disabled; enabling it (requires elevation).'
    winrm set winrm/config/client/auth '@{Basic="true"}'
}

Connect-EXOPSSession -UserPrincipalName $UserPrincipalName
if ($Compliance) {
    Connect-IPPSSession -UserPrincipalName $UserPrincipalName
}

Get-OrganizationConfig | Select-Object DisplayName, IsDehydrated, OAuth2ClientProfileEnabled
