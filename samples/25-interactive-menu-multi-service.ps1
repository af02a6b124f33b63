# 25-interactive-menu-multi-service.ps1
# Demonstrates: an interactive helpdesk menu connecting to several services:
# MSOnline (left alone), Exchange Online with $global:Session, Security &
# Compliance with the non-standard configuration name
# Microsoft.SecurityAndCompliance, and a "connected?" check via Get-PSSession.

$global:Credential = Get-Credential -Message 'Office 365 admin'

function Show-Menu {
    Clear-Host
    Write-Host '==== Office 365 helpdesk ===='
    Write-Host '1: Connect to MSOnline'
    Write-Host '2: Connect to Exchange Online'
    Write-Host '3: Connect to Security & Compliance'
    Write-Host '4: Show connections'
    Write-Host 'Q: Quit'
}

do {
    Show-Menu
    $choice = Read-Host 'Select'
    switch ($choice) {
        '1' {
            Connect-MsolService -Credential $global:Credential
        }
        '2' {
            $global:Session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Credential $global:Credential -Authentication Basic -AllowRedirection
            Import-PSSession $global:Session -AllowClobber -DisableNameChecking | Out-Null
        }
        '3' {
            $global:SccSession = New-PSSession -ConfigurationName 'Microsoft.SecurityAndCompliance' -ConnectionUri https://ps.compliance.protection.outlook.com/powershell-liveid/ -Credential $global:Credential -Authentication Basic -AllowRedirection
            Import-PSSession $global:SccSession -Prefix cc -AllowClobber | Out-Null
        }
        '4' {
            Get-PSSession | Where-Object { $_.ConfigurationName -eq 'Microsoft.Exchange' } |
                Select-Object Id, ComputerName, State | Format-Table -AutoSize
            pause
        }
    }
} until ($choice -eq 'q')

Remove-PSSession -Session $global:Session -ErrorAction SilentlyContinue
Remove-PSSession -Session $global:SccSession -ErrorAction SilentlyContinue
