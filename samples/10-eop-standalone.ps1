# 10-eop-standalone.ps1
# Demonstrates: standalone Exchange Online Protection (ps.protection.outlook.com)
# with a single-quoted URI and the session named $EOPSession. Becomes
# Connect-IPPSSession with the EOP ConnectionUri. The file has no final newline.

$cred = Get-Credential -Message 'EOP admin'
$EOPSession = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri 'https://ps.protection.outlook.com/powershell-liveid/' -Credential $cred -Authentication Basic -AllowRedirection
Import-PSSession $EOPSession -DisableNameChecking

$blocked = @(
    'bulkmailer.example',
    'spam-source.example',
    'invoice-fraud.example'
)

$policy = Get-HostedContentFilterPolicy -Identity Default
$current = [System.Collections.Generic.List[string]]::new()
foreach ($d in $policy.BlockedSenderDomains) { $current.Add($d.Domain) }

foreach ($domain in $blocked) {
    if ($current -notcontains $domain) {
        Set-HostedContentFilterPolicy -Identity Default -BlockedSenderDomains @{ Add = $domain }
        Write-Host "Blocked $domain"
    }
}

Get-HostedContentFilterPolicy -Identity Default | Select-Object -ExpandProperty BlockedSenderDomains
Remove-PSSession $EOPSession