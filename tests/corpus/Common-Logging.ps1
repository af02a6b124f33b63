# Common-Logging.ps1 - dot-source from job scripts: . "$PSScriptRoot\Common-Logging.ps1"

$script:LogFile = $null
$script:LogLevels = @{ Verbose = 0; Info = 1; Warning = 2; Error = 3 }
$script:MinLevel = 'Info'

function Initialize-Log {
    param(
        [Parameter(Mandatory)][string]$Path,
        [ValidateSet('Verbose', 'Info', 'Warning', 'Error')][string]$MinimumLevel = 'Info',
        [int]$KeepDays = 30
    )
    $script:LogFile = $Path
    $script:MinLevel = $MinimumLevel
    $dir = Split-Path -Path $Path -Parent
    if (-not (Test-Path $dir)) { New-Item -ItemType Directory -Path $dir -Force | Out-Null }
    Get-ChildItem -Path $dir -Filter '*.log' |
        Where-Object LastWriteTime -lt (Get-Date).AddDays(-$KeepDays) |
        Remove-Item -Force -ErrorAction SilentlyContinue
    Write-Log ('=' * 60)
    Write-Log "Started by $env:USERDOMAIN\$env:USERNAME on $env:COMPUTERNAME (PID $PID)"
}

function Write-Log {
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline)]
        [AllowEmptyString()]
        [string]$Message,

        [ValidateSet('Verbose', 'Info', 'Warning', 'Error')]
        [string]$Level = 'Info'
    )
    process {
        if ($script:LogLevels[$Level] -lt $script:LogLevels[$script:MinLevel]) { return }
        $line = '{0:yyyy-MM-dd HH:mm:ss.fff} {1,-7} {2}' -f (Get-Date), $Level.ToUpper(), $Message
        if ($script:LogFile) {
            # Retry because antivirus scanners briefly lock the file.
            $tries = 0
            do {
                try {
                    [System.IO.File]::AppendAllText($script:LogFile, $line + "`r`n")
                    break
                }
                catch [System.IO.IOException] {
                    $tries++
                    Start-Sleep -Milliseconds 50
                }
            } while ($tries -lt 5)
        }
        switch ($Level) {
            'Warning' { Write-Warning $Message }
            'Error' { Write-Host $line -ForegroundColor Red }
            'Verbose' { Write-Verbose $Message }
            default { Write-Host $line }
        }
    }
}
