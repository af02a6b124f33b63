# Profile for the admin jump host. Keep it fast: no network calls at start-up.

Set-StrictMode -Version 2.0
$ErrorView = 'CategoryView'
$MaximumHistoryCount = 10000

if (Get-Module -ListAvailable PSReadLine) {
    Import-Module PSReadLine
    Set-PSReadLineOption -EditMode Windows -HistoryNoDuplicates -BellStyle None
    Set-PSReadLineOption -AddToHistoryHandler {
        param([string]$line)
        # Never keep secrets in the history file.
        $line -notmatch 'password|secret|token|ConvertTo-SecureString'
    }
    Set-PSReadLineKeyHandler -Key Tab -Function MenuComplete
    Set-PSReadLineKeyHandler -Key UpArrow -Function HistorySearchBackward
    Set-PSReadLineKeyHandler -Key DownArrow -Function HistorySearchForward
    Set-PSReadLineKeyHandler -Chord 'Ctrl+d' -Function DeleteCharOrExit
}

$global:AdminTools = Join-Path $HOME 'AdminTools'
if (Test-Path $global:AdminTools) {
    $env:PSModulePath = "$global:AdminTools\Modules;$env:PSModulePath"
    Get-ChildItem -Path "$global:AdminTools\Functions" -Filter '*.ps1' -ErrorAction SilentlyContinue |
        ForEach-Object { . $_.FullName }
}

Set-Alias -Name ll -Value Get-ChildItem
Set-Alias -Name np -Value "${env:ProgramFiles}\Notepad++\notepad++.exe" -ErrorAction SilentlyContinue
Set-Alias -Name which -Value Get-Command

function Get-Uptime2 {
    param([string]$ComputerName = $env:COMPUTERNAME)
    $os = Get-CimInstance -ClassName Win32_OperatingSystem -ComputerName $ComputerName
    (Get-Date) - $os.LastBootUpTime
}

function cdd { Set-Location -Path (Join-Path $HOME 'Documents') }
function .. { Set-Location .. }

function Test-Admin {
    $id = [Security.Principal.WindowsIdentity]::GetCurrent()
    ([Security.Principal.WindowsPrincipal]$id).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
}

function prompt {
    $lastOk = $?
    $admin = if (Test-Admin) { '[ADMIN] ' } else { '' }
    $path = $executionContext.SessionState.Path.CurrentLocation.Path
    if ($path.StartsWith($HOME)) { $path = '~' + $path.Substring($HOME.Length) }
    $host.UI.RawUI.WindowTitle = "$admin$env:USERNAME@$env:COMPUTERNAME $path"
    $color = if ($lastOk) { 'Green' } else { 'Red' }
    Write-Host "$admin" -NoNewline -ForegroundColor Yellow
    Write-Host "$env:COMPUTERNAME " -NoNewline -ForegroundColor Cyan
    Write-Host $path -NoNewline -ForegroundColor $color
    "$('>' * ($nestedPromptLevel + 1)) "
}

$PSDefaultParameterValues = @{
    'Export-Csv:NoTypeInformation' = $true
    'Export-Csv:Encoding'          = 'UTF8'
    'Format-Table:AutoSize'        = $true
    'Get-ADUser:Server'            = 'dc01.corp.contoso.com'
    'Invoke-Command:ThrottleLimit' = 48
}
