# 15-splatting-built-stepwise.ps1
# Demonstrates: a splatting hashtable built step by step: .Add(), += @{...} and
# index assignment in if/else branches, then New-PSSession @p. The hashtable is
# used only by this call, so the translator can edit its entries in place.

param(
    [pscredential]$Credential = (Get-Credential),
    [switch]$BehindProxy
)

$p = @{}
$p.Add('ConfigurationName', 'Microsoft.Exchange')
$p.Add('ConnectionUri', 'https://outlook.office365.com/powershell-liveid/')
$p += @{ Authentication = 'Basic'; AllowRedirection = $true }
$p['Credential'] = $Credential

if ($BehindProxy) {
    $p['SessionOption'] = New-PSSessionOption -ProxyAccessType IEConfig -ProxyAuthentication Basic
}
else {
    $p['ErrorAction'] = 'Stop'
}

$s = New-PSSession @p
Import-PSSession $s -AllowClobber -WarningAction SilentlyContinue | Out-Null

# Convert departed users' mailboxes to shared and hide them from the GAL.
$leavers = Import-Csv -Path .\leavers.csv
foreach ($leaver in $leavers) {
    $mbx = Get-Mailbox -Identity $leaver.UserPrincipalName -ErrorAction SilentlyContinue
    if ($null -eq $mbx) {
        Write-Warning "$($leaver.UserPrincipalName) not found"
        continue
    }
    Set-Mailbox -Identity $mbx.Identity -Type Shared -HiddenFromAddressListsEnabled $true
    if ($leaver.Manager) {
        Add-MailboxPermission -Identity $mbx.Identity -User $leaver.Manager -AccessRights FullAccess -AutoMapping $false | Out-Null
    }
}

Remove-PSSession $s
