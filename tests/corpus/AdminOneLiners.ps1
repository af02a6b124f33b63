# AdminOneLiners.ps1
# The snippets file every admin keeps: short, alias-heavy commands copied into the console.
# Each block is independent; the file is dot-sourced only to load the two helpers at the end.

# Ten largest log files under C:\inetpub, in MB
gci C:\inetpub -Recurse -Filter *.log -ea 0 | sort Length -desc | select -f 10 FullName, @{n='MB';e={[math]::Round($_.Length/1mb,1)}}

# Services set to Automatic that are not running
gsv | ? { $_.StartType -eq 'Automatic' -and $_.Status -ne 'Running' } | ft Name, DisplayName, Status -a

# Who is logged on where (quser output parsed)
'srv01', 'srv02' | % { $s = $_; quser /server:$s 2>$null | select -skip 1 | % { "$s $($_.Trim() -replace '\s{2,}', ',')" } }

# Processes using more than 500 MB, sorted
ps | ? WS -gt 500MB | sort WS -Descending | ft ProcessName, Id, @{l='WS(MB)';e={$_.WS / 1MB -as [int]}} -AutoSize

# Grant read access with native icacls; --% stops PowerShell from parsing the rest
$share = 'D:\Shares\Public'
icacls.exe $share --% /grant "CORP\Domain Users":(OI)(CI)RX /T /C

# Append to a log, errors to a separate log, everything else discarded
Get-Date >> C:\Temp\runs.log
Get-Item C:\does-not-exist 2>> C:\Temp\errors.log
Test-Connection -ComputerName 10.0.0.1 -Count 1 -Quiet *> $null
$all = & { Write-Output 'out'; Write-Warning 'warn'; Write-Verbose 'verb' -Verbose } *>&1
$warnAndOut = & { Write-Warning 'careful'; 'result' } 3>&1

# Compound assignment and increment operators
$total = 10
$total += 5; $total -= 3; $total *= 2; $total /= 4; $total %= 5
$i = 0; $i++; ++$i; $i--; --$i
$flags = 0x0F; $flags = $flags -bxor 0x03; $flags = $flags -shl 2
$name = 'report'; $name += '.csv'
$list = @(); $list += 'a'; $list += 'b', 'c'

# Wildcard and case-sensitive switch
foreach ($host1 in 'WEB01', 'web02', 'SQL01', 'dc01') {
    switch -Wildcard -CaseSensitive ($host1) {
        'WEB*' { "$host1 is an upper-case web server" }
        'web*' { "$host1 is a lower-case web server" }
        'SQL??' { "$host1 is a database server" }
        default { "$host1 is something else" }
    }
}

switch -Exact ('b') {
    'a' { 'first' }
    'b' { 'second'; continue }
    'b' { 'never reached' }
}

# Script block with its own begin/process/end, invoked with & on the pipeline
1..5 | & {
    begin { $sum = 0 }
    process { $sum += $_ * $_ }
    end { "sum of squares: $sum" }
}

# Dot-invoked block shares the caller's scope
. { $sharedVariable = 'visible afterwards' }
Write-Host $sharedVariable

# Index and range tricks
$letters = 'a', 'b', 'c', 'd', 'e'
$numbers = 1..10; $evens = $numbers | ? { $_ % 2 -eq 0 }
$letters[0], $letters[-1], $letters[1..3], $letters[-2..-1]
$matrix = @(@(1, 2, 3), @(4, 5, 6))
$matrix[1][2]
$hash = @{ a = 1; b = 2 }; $hash['c'] = 3; $hash.d = 4; $hash.Keys | sort

# Static members and type tests
[math]::PI, [int]::MaxValue, [datetime]::Today.DayOfWeek, [guid]::NewGuid().Guid
'42' -as [int] -is [int]
[bool]'false', [bool]'', [int]'0x1F', [double]'1.5e3'
(Get-Date) -is [datetime]

# Variables with braces and provider paths
${my odd variable} = 'braced'
${env:ProgramFiles(x86)}
$env:Path -split ';' | ? { $_ } | sort -Unique
${function:prompt}.ToString().Length
Get-Item variable:PSVersionTable | select -ExpandProperty Value

# Recursive helper used by the tree listing snippet below
function Show-Tree {
    param([string]$Path = '.', [int]$Depth = 0, [int]$MaxDepth = 2)
    if ($Depth -gt $MaxDepth) { return }
    Get-ChildItem -LiteralPath $Path -Directory -ErrorAction SilentlyContinue | ForEach-Object {
        ('  ' * $Depth) + '+- ' + $_.Name
        Show-Tree -Path $_.FullName -Depth ($Depth + 1) -MaxDepth $MaxDepth
    }
}

function Get-Tail {
    param([Parameter(Mandatory)][string]$Path, [int]$Lines = 20, [switch]$Follow)
    Get-Content -Path $Path -Tail $Lines -Wait:$Follow
}

Show-Tree -Path $env:USERPROFILE -MaxDepth 1
