<#
    Contoso.Messages.psm1
    User-facing messages for the self-service portal scripts in English, German, French and
    Japanese. The English text lives in a data section so the module works even without
    the .psd1 translation files; Import-LocalizedData overrides it per UI culture.
#>

$script:Messages = data {
    ConvertFrom-StringData -StringData @'
Welcome = Welcome, {0}!
PasswordExpires = Your password expires in {0} day(s).
MailboxFull = Your mailbox is {0:P0} full.
AccessGranted = {0} now has access to {1}.
AccessDenied = You are not allowed to change {0}.
Goodbye = Done. You can close this window.
'@
}

Import-LocalizedData -BindingVariable Messages -FileName 'Contoso.Messages.strings.psd1' -ErrorAction SilentlyContinue

# Inline fallbacks for the languages the service desk supports, used when the translation
# files are missing on a kiosk PC.
$script:Fallback = @{
    'de-DE' = @{
        Welcome         = 'Willkommen, {0}!'
        PasswordExpires = 'Ihr Kennwort läuft in {0} Tag(en) ab.'
        MailboxFull     = 'Ihr Postfach ist zu {0:P0} voll.'
        AccessGranted   = '{0} hat jetzt Zugriff auf {1}.'
        AccessDenied    = 'Sie dürfen {0} nicht ändern.'
        Goodbye         = 'Fertig. Sie können dieses Fenster schließen.'
    }
    'fr-FR' = @{
        Welcome         = 'Bienvenue, {0} !'
        PasswordExpires = 'Votre mot de passe expire dans {0} jour(s).'
        MailboxFull     = 'Votre boîte aux lettres est pleine à {0:P0}.'
        AccessGranted   = '{0} a désormais accès à {1}.'
        AccessDenied    = "Vous n'êtes pas autorisé à modifier {0}."
        Goodbye         = 'Terminé. Vous pouvez fermer cette fenêtre.'
    }
    'ja-JP' = @{
        Welcome         = 'ようこそ、{0} さん'
        PasswordExpires = 'パスワードの有効期限まであと {0} 日です。'
        MailboxFull     = 'メールボックスの使用率は {0:P0} です。'
        AccessGranted   = '{0} は {1} にアクセスできるようになりました。'
        AccessDenied    = '{0} を変更する権限がありません。'
        Goodbye         = '完了しました。このウィンドウを閉じてください。'
    }
}

function Get-Message {
    <#
    .SYNOPSIS
        Returns a formatted message in the current (or given) UI culture.
    .EXAMPLE
        Get-Message Welcome 'Zoë'
    .EXAMPLE
        Get-Message MailboxFull 0.93 -Culture de-DE
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory, Position = 0)]
        [ValidateSet('Welcome', 'PasswordExpires', 'MailboxFull', 'AccessGranted', 'AccessDenied', 'Goodbye')]
        [string]$Key,

        [Parameter(Position = 1, ValueFromRemainingArguments)]
        [object[]]$Arguments = @(),

        [cultureinfo]$Culture = [cultureinfo]::CurrentUICulture
    )

    $table = $script:Messages
    if ($script:Fallback.ContainsKey($Culture.Name)) {
        $table = $script:Fallback[$Culture.Name]
    }
    $template = $table[$Key]
    if (-not $template) { $template = $script:Messages[$Key] }
    [string]::Format($Culture, $template, $Arguments)
}

function Write-Banner {
    param(
        [Parameter(Mandatory)][string]$Text,
        [char]$Border = '═'
    )
    # East Asian characters are two columns wide in the console.
    $width = 0
    foreach ($ch in $Text.ToCharArray()) {
        $width += if ([int]$ch -ge 0x1100 -and [int]$ch -le 0xFFDC) { 2 } else { 1 }
    }
    $line = [string]::new($Border, $width + 4)
    Write-Host $line -ForegroundColor DarkCyan
    Write-Host "  $Text  " -ForegroundColor Cyan
    Write-Host $line -ForegroundColor DarkCyan
}

Export-ModuleMember -Function Get-Message, Write-Banner
