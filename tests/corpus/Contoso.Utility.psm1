<#
    Contoso.Utility.psm1
    General helpers shared by the operations scripts: retries, string and date handling,
    CSV/HTML output, credential storage and a few file-system helpers.
#>

Set-StrictMode -Version Latest

#region Retry and timing

function Invoke-WithRetry {
    <#
    .SYNOPSIS
        Runs a script block until it succeeds or the attempts are used up.
    .PARAMETER ScriptBlock
        Code to run.
    .PARAMETER MaxAttempts
        Total number of attempts.
    .PARAMETER DelaySeconds
        Initial delay; doubles after every failure (exponential back-off).
    .PARAMETER RetryOn
        Exception types that are retried; anything else is rethrown at once.
    .EXAMPLE
        Invoke-WithRetry { Invoke-RestMethod $uri } -RetryOn ([System.Net.WebException])
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)]
        [scriptblock]$ScriptBlock,

        [ValidateRange(1, 20)]
        [int]$MaxAttempts = 3,

        [ValidateRange(0, 300)]
        [double]$DelaySeconds = 2,

        [type[]]$RetryOn = @([System.Exception])
    )

    $attempt = 0
    $delay = $DelaySeconds
    while ($true) {
        $attempt++
        try {
            return & $ScriptBlock
        }
        catch {
            $ex = $_.Exception
            $retryable = $false
            foreach ($t in $RetryOn) {
                if ($t.IsInstanceOfType($ex)) { $retryable = $true; break }
            }
            if (-not $retryable -or $attempt -ge $MaxAttempts) {
                throw
            }
            Write-Verbose ("Attempt {0}/{1} failed: {2}. Retrying in {3:N1}s" -f $attempt, $MaxAttempts, $ex.Message, $delay)
            Start-Sleep -Milliseconds ([int]($delay * 1000))
            $delay = [math]::Min($delay * 2, 300)
        }
    }
}

function Measure-Block {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Name,
        [Parameter(Mandatory)][scriptblock]$ScriptBlock
    )
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        & $ScriptBlock
    }
    finally {
        $sw.Stop()
        Write-Verbose ('{0} took {1:N0} ms' -f $Name, $sw.Elapsed.TotalMilliseconds)
    }
}

#endregion

#region Strings

function ConvertTo-Slug {
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [AllowEmptyString()]
        [string]$Text,

        [ValidateRange(1, 200)]
        [int]$MaxLength = 60
    )
    process {
        $normal = $Text.Normalize([System.Text.NormalizationForm]::FormD)
        $ascii = -join ($normal.ToCharArray() | Where-Object {
            [System.Globalization.CharUnicodeInfo]::GetUnicodeCategory($_) -ne [System.Globalization.UnicodeCategory]::NonSpacingMark
        })
        $slug = ($ascii.ToLowerInvariant() -replace '[^a-z0-9]+', '-').Trim('-')
        if ($slug.Length -gt $MaxLength) { $slug = $slug.Substring(0, $MaxLength).TrimEnd('-') }
        $slug
    }
}

function Format-Template {
    <#
    .SYNOPSIS
        Replaces {{Name}} placeholders with values from a hashtable or object.
    .EXAMPLE
        Format-Template 'Hello {{GivenName}}, your account is {{Sam}}.' @{ GivenName = 'Ann'; Sam = 'ann' }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)][string]$Template,
        [Parameter(Mandatory, Position = 1)][object]$Values,
        [switch]$HtmlEncode
    )
    $lookup = if ($Values -is [System.Collections.IDictionary]) { $Values } else {
        $h = @{}
        foreach ($p in $Values.PSObject.Properties) { $h[$p.Name] = $p.Value }
        $h
    }
    [regex]::Replace($Template, '\{\{\s*(\w+)\s*\}\}', {
        param($m)
        $key = $m.Groups[1].Value
        if ($lookup.Contains($key)) {
            $v = [string]$lookup[$key]
            if ($HtmlEncode) { [System.Net.WebUtility]::HtmlEncode($v) } else { $v }
        }
        else {
            $m.Value
        }
    })
}

function Split-CamelCase {
    param([Parameter(Mandatory, ValueFromPipeline)][string]$Text)
    process { ($Text -creplace '(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])', ' ').Trim() }
}

function Get-StringHash {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipeline)][string]$Text,
        [ValidateSet('MD5', 'SHA1', 'SHA256', 'SHA512')][string]$Algorithm = 'SHA256'
    )
    process {
        $alg = [System.Security.Cryptography.HashAlgorithm]::Create($Algorithm)
        try {
            $bytes = $alg.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($Text))
            -join ($bytes | ForEach-Object { $_.ToString('x2') })
        }
        finally {
            $alg.Dispose()
        }
    }
}

#endregion

#region Dates

function Get-BusinessDay {
    <#
    .SYNOPSIS
        Adds or subtracts working days, skipping weekends and the given holidays.
    #>
    [CmdletBinding()]
    [OutputType([datetime])]
    param(
        [datetime]$From = (Get-Date).Date,
        [Parameter(Mandatory)][int]$Days,
        [datetime[]]$Holiday = @()
    )
    $step = [math]::Sign($Days)
    $remaining = [math]::Abs($Days)
    $d = $From
    $holidays = $Holiday | ForEach-Object { $_.Date }
    while ($remaining -gt 0) {
        $d = $d.AddDays($step)
        if ($d.DayOfWeek -in [DayOfWeek]::Saturday, [DayOfWeek]::Sunday) { continue }
        if ($holidays -contains $d.Date) { continue }
        $remaining--
    }
    $d
}

function ConvertFrom-UnixTime {
    param([Parameter(Mandatory, ValueFromPipeline)][long]$Seconds, [switch]$Milliseconds)
    process {
        if ($Milliseconds) { [DateTimeOffset]::FromUnixTimeMilliseconds($Seconds).UtcDateTime }
        else { [DateTimeOffset]::FromUnixTimeSeconds($Seconds).UtcDateTime }
    }
}

function Get-WeekNumber {
    param([datetime]$Date = (Get-Date))
    # ISO 8601: the week with the year's first Thursday is week 1.
    $cal = [System.Globalization.CultureInfo]::InvariantCulture.Calendar
    $day = $cal.GetDayOfWeek($Date)
    if ($day -ge [DayOfWeek]::Monday -and $day -le [DayOfWeek]::Wednesday) {
        $Date = $Date.AddDays(3)
    }
    $cal.GetWeekOfYear($Date, [System.Globalization.CalendarWeekRule]::FirstFourDayWeek, [DayOfWeek]::Monday)
}

#endregion

#region Output

function Export-Report {
    <#
    .SYNOPSIS
        Writes rows to CSV and/or HTML with a consistent naming scheme.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory, ValueFromPipeline)][psobject]$InputObject,
        [Parameter(Mandatory)][string]$Name,
        [string]$Folder = (Get-Location).Path,
        [ValidateSet('Csv', 'Html', 'Both')][string]$Format = 'Csv',
        [string]$Title
    )
    begin {
        $rows = [System.Collections.Generic.List[psobject]]::new()
        $base = Join-Path $Folder ('{0}_{1:yyyyMMdd_HHmm}' -f (ConvertTo-Slug $Name), (Get-Date))
    }
    process {
        $rows.Add($InputObject)
    }
    end {
        if ($rows.Count -eq 0) {
            Write-Warning "No rows for report '$Name'"
            return
        }
        if ($Format -in 'Csv', 'Both' -and $PSCmdlet.ShouldProcess("$base.csv", 'Write CSV')) {
            $rows | Export-Csv -Path "$base.csv" -NoTypeInformation -Encoding UTF8
            Get-Item "$base.csv"
        }
        if ($Format -in 'Html', 'Both' -and $PSCmdlet.ShouldProcess("$base.html", 'Write HTML')) {
            $head = @"
<meta charset="utf-8">
<title>$(if ($Title) { $Title } else { $Name })</title>
<style>
  body { font-family: Segoe UI, Arial, sans-serif; font-size: 9pt; }
  th { background: #444; color: #fff; }
  td, th { padding: 2px 6px; border: 1px solid #ddd; }
</style>
"@
            $rows | ConvertTo-Html -Head $head -PreContent "<h2>$Name</h2>" | Set-Content -Path "$base.html" -Encoding UTF8
            Get-Item "$base.html"
        }
    }
}

function Out-Columns {
    param(
        [Parameter(Mandatory, ValueFromPipeline)][string]$Item,
        [int]$Columns = 3,
        [int]$Width = 30
    )
    begin { $buffer = @() }
    process { $buffer += $Item }
    end {
        for ($i = 0; $i -lt $buffer.Count; $i += $Columns) {
            $row = $buffer[$i..([math]::Min($i + $Columns, $buffer.Count) - 1)]
            -join ($row | ForEach-Object { $_.PadRight($Width).Substring(0, $Width) })
        }
    }
}

#endregion

#region Credentials and files

function Save-Credential {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory)][string]$Name,
        [pscredential]$Credential = (Get-Credential -Message "Credential to store as '$Name'"),
        [string]$Store = (Join-Path $env:LOCALAPPDATA 'Contoso\Credentials')
    )
    if (-not (Test-Path $Store)) { New-Item -Path $Store -ItemType Directory -Force | Out-Null }
    $file = Join-Path $Store "$Name.xml"
    if ($PSCmdlet.ShouldProcess($file, 'Save DPAPI-protected credential')) {
        $Credential | Export-Clixml -Path $file
    }
}

function Get-StoredCredential {
    [CmdletBinding()]
    [OutputType([pscredential])]
    param(
        [Parameter(Mandatory)][string]$Name,
        [string]$Store = (Join-Path $env:LOCALAPPDATA 'Contoso\Credentials')
    )
    $file = Join-Path $Store "$Name.xml"
    if (-not (Test-Path $file)) {
        throw [System.IO.FileNotFoundException]::new("No stored credential '$Name' (run Save-Credential first)", $file)
    }
    Import-Clixml -Path $file
}

function Remove-OldFiles {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    param(
        [Parameter(Mandatory)][string]$Path,
        [ValidateRange(1, 3650)][int]$OlderThanDays = 30,
        [string[]]$Include = @('*.log', '*.tmp'),
        [switch]$Recurse
    )
    $limit = (Get-Date).AddDays(-$OlderThanDays)
    $files = Get-ChildItem -Path $Path -Include $Include -File -Recurse:$Recurse -ErrorAction SilentlyContinue |
        Where-Object LastWriteTime -lt $limit
    $freed = 0L
    foreach ($f in $files) {
        if ($PSCmdlet.ShouldProcess($f.FullName, 'Delete')) {
            $freed += $f.Length
            Remove-Item -LiteralPath $f.FullName -Force
        }
    }
    [PSCustomObject]@{ Path = $Path; Files = @($files).Count; FreedMB = [math]::Round($freed / 1MB, 1) }
}

#endregion

New-Alias -Name retry -Value Invoke-WithRetry -Force
Export-ModuleMember -Function * -Alias retry
