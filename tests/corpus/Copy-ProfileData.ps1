<#
.SYNOPSIS
    Copies a user's profile folders to the new file server with robocopy and interprets
    robocopy's bit-mask exit codes.
#>
param(
    [Parameter(Mandatory)][string]$SamAccountName,
    [string]$Source = '\\oldfs01\profiles$',
    [string]$Destination = '\\fs01.corp.contoso.com\home$',
    [string[]]$Folders = @('Desktop', 'Documents', 'Favorites', 'Pictures'),
    [switch]$Mirror
)

$logRoot = Join-Path $env:TEMP 'ProfileCopy'
$null = New-Item -ItemType Directory -Path $logRoot -Force

# Robocopy exit codes are flags: 1 copied, 2 extra, 4 mismatched, 8 failed, 16 fatal.
$codes = [ordered]@{
    1  = 'Files copied'
    2  = 'Extra files or folders at destination'
    4  = 'Mismatched files or folders'
    8  = 'Some files could not be copied'
    16 = 'Fatal error'
}

$summary = foreach ($folder in $Folders) {
    $src = Join-Path (Join-Path $Source $SamAccountName) $folder
    $dst = Join-Path (Join-Path $Destination $SamAccountName) $folder
    if (-not (Test-Path -LiteralPath $src)) {
        Write-Verbose "Skipping missing $src"
        continue
    }
    $log = Join-Path $logRoot ("{0}-{1}.log" -f $SamAccountName, $folder)
    $rcArgs = @($src, $dst, '/COPY:DAT', '/DCOPY:DAT', '/R:2', '/W:5', '/MT:16', '/NP', '/NDL', "/LOG:$log", '/XF', 'desktop.ini', 'Thumbs.db', '*.tmp')
    if ($Mirror) { $rcArgs += '/MIR' } else { $rcArgs += '/E' }

    & robocopy.exe @rcArgs | Out-Null
    $rc = $LASTEXITCODE
    $messages = foreach ($bit in $codes.Keys) {
        if ($rc -band $bit) { $codes[$bit] }
    }
    [PSCustomObject]@{
        Folder   = $folder
        ExitCode = $rc
        Result   = if ($rc -eq 0) { 'No change' } else { $messages -join '; ' }
        Failed   = $rc -ge 8
        Log      = $log
    }
}

$summary | Format-Table Folder, ExitCode, Result -AutoSize
if ($summary | Where-Object Failed) {
    Write-Error "Copy for $SamAccountName had failures; see the logs in $logRoot"
    exit 8
}
