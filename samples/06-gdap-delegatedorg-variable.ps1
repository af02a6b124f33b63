# 06-gdap-delegatedorg-variable.ps1
# Demonstrates: "Connect to a customer organization using GDAP" as real scripts
# wrote it: a bare-word URI containing a variable (?DelegatedOrg=$TenantDomain),
# the credential as a [PSCredential] parameter, output of the import suppressed.

[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string]$TenantDomain,

    [Parameter(Mandatory = $true)]
    [System.Management.Automation.PSCredential]
    [System.Management.Automation.Credential()]
    $Credential
)

$ExchangeSession = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid?DelegatedOrg=$TenantDomain -Credential $Credential -Authentication Basic -AllowRedirection
Import-PSSession $ExchangeSession -AllowClobber > $null

Write-Verbose "Connected to $TenantDomain"

# Enforce mailbox auditing and a 180-day audit age on every user mailbox.
$mailboxes = Get-Mailbox -ResultSize Unlimited -RecipientTypeDetails UserMailbox, SharedMailbox
foreach ($m in $mailboxes) {
    if (-not $m.AuditEnabled -or $m.AuditLogAgeLimit -ne '180.00:00:00') {
        Set-Mailbox -Identity $m.Identity -AuditEnabled $true -AuditLogAgeLimit 180 -WarningAction SilentlyContinue
        Write-Verbose "Audit configured on $($m.PrimarySmtpAddress)"
    }
}

Remove-PSSession -Session $ExchangeSession
