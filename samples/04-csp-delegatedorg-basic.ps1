# 04-csp-delegatedorg-basic.ps1
# Demonstrates: "Connect to a customer organization with a CSP account" using
# Basic authentication: ?DelegatedOrg=<customer>&email=SystemMailbox{guid}@<customer>
# on the URI. Quoted: a bare & inside an argument is a parse error (AmpersandNotAllowed).
# Saved in Windows-1252 by the original author: the comment below holds é as byte
# 0xE9, and the dash of –AllowClobber on the import is the en-dash byte 0x96.
# Rapport généré pour chaque client du partenaire (audit des règles de transfert).

$partnerCred = Get-Credential -UserName 'admin@contoso.onmicrosoft.com' -Message 'Partner admin'
$customer = 'delegated.onmicrosoft.com'

$Session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri "https://outlook.office365.com/PowerShell-LiveID/?DelegatedOrg=delegated.onmicrosoft.com&email=SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@delegated.onmicrosoft.com" -Credential $partnerCred -Authentication Basic -AllowRedirection
Import-PSSession $Session –AllowClobber

$forwarding = Get-Mailbox -ResultSize Unlimited |
    Where-Object { $_.ForwardingSmtpAddress -or $_.ForwardingAddress } |
    Select-Object DisplayName, PrimarySmtpAddress, ForwardingSmtpAddress, ForwardingAddress, DeliverToMailboxAndForward

$inboxRules = foreach ($mbx in (Get-Mailbox -ResultSize Unlimited)) {
    Get-InboxRule -Mailbox $mbx.PrimarySmtpAddress -ErrorAction SilentlyContinue |
        Where-Object { $_.ForwardTo -or $_.RedirectTo -or $_.ForwardAsAttachmentTo } |
        Select-Object @{ n = 'Mailbox'; e = { $mbx.PrimarySmtpAddress } }, Name, Enabled, ForwardTo, RedirectTo
}

$forwarding | Export-Csv -Path ".\$customer-forwarding.csv" -NoTypeInformation
$inboxRules | Export-Csv -Path ".\$customer-inboxrules.csv" -NoTypeInformation
Write-Host ("{0}: {1} forwarding mailboxes, {2} forwarding rules" -f $customer, @($forwarding).Count, @($inboxRules).Count)

Remove-PSSession $Session
