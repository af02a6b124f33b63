# 16-colon-bound-parameters.ps1
# Demonstrates: colon-bound parameters in the style of Microsoft's public-folder
# migration scripts (-ConnectionURI:$uri -Authentication:"Basic"
# -AllowRedirection:$true;), a statement ended with ';', and an inline
# -Credential:(Get-Credential). Saved with CRLF line endings.

param(
    [string]$CsvPath = '.\PublicFolderMailboxes.csv'
)

$uri = 'https://outlook.office365.com/powershell-liveid/'
$o = New-PSSessionOption -SkipCACheck -SkipCNCheck -SkipRevocationCheck

$Session = New-PSSession -ConfigurationName:Microsoft.Exchange -ConnectionURI:$uri -Authentication:"Basic" -SessionOption:$o -Credential:(Get-Credential) -AllowRedirection:$true;
Import-PSSession -Session:$Session -AllowClobber:$true -DisableNameChecking:$true | Out-Null;

$pfMailboxes = Get-Mailbox -PublicFolder -ResultSize:Unlimited;
$rows = foreach ($pf in $pfMailboxes) {
    $stats = Get-MailboxStatistics -Identity:$pf.Identity;
    [PSCustomObject]@{
        Name          = $pf.Name
        IsRoot        = $pf.IsRootPublicFolderMailbox
        TotalItemSize = $stats.TotalItemSize
        ItemCount     = $stats.ItemCount
    }
}
$rows | Export-Csv -Path:$CsvPath -NoTypeInformation:$true -Encoding:UTF8;

Remove-PSSession -Session:$Session;
