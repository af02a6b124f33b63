# Compresses IIS logs older than a week and deletes archives older than 180 days.
# Scheduled on every web server; trap keeps going past locked files.

param(
    [int]$CompressAfterDays = 7,
    [int]$DeleteAfterDays = 180
)

trap [System.IO.IOException] {
    Write-Warning "Skipped a locked file: $($_.Exception.Message)"
    continue
}

Import-Module WebAdministration -ErrorAction Stop
Add-Type -AssemblyName System.IO.Compression.FileSystem

$logDirs = Get-Website | ForEach-Object {
    [Environment]::ExpandEnvironmentVariables($_.logFile.directory) + "\W3SVC$($_.id)"
} | Where-Object { Test-Path $_ } | Select-Object -Unique

$compressed = 0
$deleted = 0
foreach ($dir in $logDirs) {
    Get-ChildItem -Path $dir -Filter '*.log' | Where-Object LastWriteTime -lt (Get-Date).AddDays(-$CompressAfterDays) | ForEach-Object {
        $zip = [System.IO.Path]::ChangeExtension($_.FullName, '.zip')
        $archive = [System.IO.Compression.ZipFile]::Open($zip, [System.IO.Compression.ZipArchiveMode]::Create)
        try {
            [void][System.IO.Compression.ZipFileExtensions]::CreateEntryFromFile($archive, $_.FullName, $_.Name, [System.IO.Compression.CompressionLevel]::Optimal)
        }
        finally {
            $archive.Dispose()
        }
        Remove-Item -LiteralPath $_.FullName
        $compressed++
    }
    Get-ChildItem -Path $dir -Filter '*.zip' | Where-Object LastWriteTime -lt (Get-Date).AddDays(-$DeleteAfterDays) | ForEach-Object {
        Remove-Item -LiteralPath $_.FullName
        $deleted++
    }
}
Write-Output "Compressed $compressed, deleted $deleted archive(s) in $(@($logDirs).Count) folder(s)"