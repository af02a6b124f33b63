<#
.SYNOPSIS
    Re-encodes .ps1/.psm1/.psd1 files as UTF-8 with BOM, which both Windows PowerShell 5.1
    and PowerShell 7 read correctly. Files that are already UTF-8 with BOM are skipped.
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)][string]$Path,
    [int]$SourceCodePage = 1252
)

$utf8Bom = [System.Text.UTF8Encoding]::new($true)
$strictUtf8 = [System.Text.UTF8Encoding]::new($false, $true)
$ansi = [System.Text.Encoding]::GetEncoding($SourceCodePage)

Get-ChildItem -Path $Path -Recurse -File -Include *.ps1, *.psm1, *.psd1 | ForEach-Object {
    $bytes = [System.IO.File]::ReadAllBytes($_.FullName)
    $kind = switch -Regex ([BitConverter]::ToString($bytes, 0, [math]::Min(3, $bytes.Length))) {
        '^EF-BB-BF' { 'utf8bom'; break }
        '^FF-FE' { 'utf16le'; break }
        '^FE-FF' { 'utf16be'; break }
        default { 'none' }
    }
    if ($kind -eq 'utf8bom') { return }

    $text = switch ($kind) {
        'utf16le' { [System.Text.Encoding]::Unicode.GetString($bytes, 2, $bytes.Length - 2) }
        'utf16be' { [System.Text.Encoding]::BigEndianUnicode.GetString($bytes, 2, $bytes.Length - 2) }
        default {
            try { $strictUtf8.GetString($bytes) }
            catch [System.Text.DecoderFallbackException] { $ansi.GetString($bytes) }
        }
    }

    if ($PSCmdlet.ShouldProcess($_.FullName, "Convert from $kind to UTF-8 with BOM")) {
        [System.IO.File]::WriteAllText($_.FullName, $text, $utf8Bom)
        [PSCustomObject]@{ File = $_.FullName; From = $kind }
    }
}
