# 07-guest-user-delegatedorg.ps1
# Demonstrates: "Connect to a customer organization as a guest user". The URI was
# copied from a web page and still holds the HTML entity &amp; between the
# query parameters; the session variable is $O365Session and -Authentication
# is quoted.

$guestCred = Get-Credential 'admin@contoso.onmicrosoft.com'

$O365Session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri "https://outlook.office365.com/PowerShell-LiveID/?DelegatedOrg=delegated.onmicrosoft.com&amp;email=SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@delegated.onmicrosoft.com" -Credential $guestCred -Authentication "Basic" -AllowRedirection
Import-PSSession $O365Session -DisableNameChecking

# List the distribution groups we were asked to review, with their owners.
$groups = Get-DistributionGroup -ResultSize Unlimited | Sort-Object Name
foreach ($g in $groups) {
    $members = Get-DistributionGroupMember -Identity $g.Identity -ResultSize Unlimited
    [PSCustomObject]@{
        Group       = $g.DisplayName
        Address     = $g.PrimarySmtpAddress
        Owners      = ($g.ManagedBy -join '; ')
        MemberCount = @($members).Count
        External    = @($members | Where-Object { $_.RecipientType -eq 'MailContact' }).Count
    }
}

Remove-PSSession $O365Session
