# 24-casing-and-redirect-uri.ps1
# Demonstrates: spelling variety: New-PsSession / import-PSSession casing,
# lower-case parameter names, a pasted pod redirect URI with ?PSVersion=4.0,
# curly quotes pasted from Word around the configuration name, the -Prefix
# given both to Import-PSSession and Import-Module, and a
# connect function that returns the session for the caller to import.

function Get-ExchangeSession {
    param([pscredential]$Cred)
    $sess = New-PsSession -configurationname “Microsoft.Exchange” -Connectionuri https://pod51055psh.outlook.com/powershell-liveid?PSVersion=4.0 -credential $Cred -authentication Basic -Allowredirection -WarningAction SilentlyContinue
    return $sess
}

$creds = Get-Credential
$EXOSession = Get-ExchangeSession -Cred $creds
if ($EXOSession) {
    Import-Module (import-PSSession $EXOSession -Prefix EXCH -AllowClobber) -Prefix EXCH -Global
}

# Mail-enabled security groups without an owner.
Get-EXCHDistributionGroup -RecipientTypeDetails MailUniversalSecurityGroup -ResultSize Unlimited |
    Where-Object { -not $_.ManagedBy } |
    ForEach-Object {
        '{0} <{1}>' -f $_.DisplayName, $_.PrimarySmtpAddress
    }

Remove-PSSession $EXOSession
