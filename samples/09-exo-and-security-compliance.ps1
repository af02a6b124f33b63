# 09-exo-and-security-compliance.ps1
# Demonstrates: Exchange Online plus Security & Compliance in one script, the SCC
# session imported with -Prefix cc, an en-dash pasted from a blog as the dash of
# –AllowRedirection, and a cleanup filtered on ConfigurationName. Saved with CRLF.

$c = Get-Credential

$e = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Credential $c -Authentication "Basic" –AllowRedirection
Import-PSSession $e -AllowClobber

$ccSession = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://ps.compliance.protection.outlook.com/powershell-liveid/ -Credential $c -Authentication Basic -AllowRedirection
Import-PSSession $ccSession -Prefix cc -AllowClobber

$searchName = "Phish-{0:yyyyMMdd-HHmm}" -f (Get-Date)
$subject = Read-Host 'Subject line of the phishing message'

# Find who received it before purging anything.
$trace = Get-MessageTrace -StartDate (Get-Date).AddDays(-2) -EndDate (Get-Date) |
    Where-Object { $_.Subject -eq $subject }
$trace | Select-Object Received, SenderAddress, RecipientAddress, Status | Format-Table -AutoSize

New-ccComplianceSearch -Name $searchName -ExchangeLocation All -ContentMatchQuery "subject:`"$subject`"" | Out-Null
Start-ccComplianceSearch -Identity $searchName
do {
    Start-Sleep -Seconds 15
    $search = Get-ccComplianceSearch -Identity $searchName
    Write-Host "Search status: $($search.Status)"
} while ($search.Status -ne 'Completed')

if ($search.Items -gt 0) {
    New-ccComplianceSearchAction -SearchName $searchName -Purge -PurgeType SoftDelete -Confirm:$false
}

Get-PSSession | Where-Object { $_.ConfigurationName -eq 'Microsoft.Exchange' } | Remove-PSSession
