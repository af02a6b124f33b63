# Logger.Class.ps1 - a small structured logger with pluggable sinks (PS 5.1 classes).

enum LogLevel {
    Trace = 0
    Debug = 1
    Information = 2
    Warning = 3
    Error = 4
    Critical = 5
}

class LogEntry {
    [datetime]$Timestamp
    [LogLevel]$Level
    [string]$Message
    [string]$Source
    [hashtable]$Properties

    LogEntry([LogLevel]$level, [string]$message, [string]$source, [hashtable]$properties) {
        $this.Timestamp = [datetime]::UtcNow
        $this.Level = $level
        $this.Message = $message
        $this.Source = $source
        $this.Properties = if ($properties) { $properties } else { @{} }
    }

    [string] Format() {
        $props = ($this.Properties.GetEnumerator() | Sort-Object Key | ForEach-Object { '{0}={1}' -f $_.Key, $_.Value }) -join ' '
        return '{0:yyyy-MM-ddTHH:mm:ss.fffZ} {1,-11} [{2}] {3} {4}' -f $this.Timestamp, $this.Level, $this.Source, $this.Message, $props
    }
}

class LogSink {
    [LogLevel]$MinimumLevel = [LogLevel]::Information

    [void] Write([LogEntry]$entry) {
        throw [System.NotImplementedException]::new('LogSink.Write must be overridden')
    }

    [bool] Accepts([LogEntry]$entry) {
        return $entry.Level -ge $this.MinimumLevel
    }
}

class ConsoleSink : LogSink {
    static [hashtable]$Colours = @{
        Trace       = 'DarkGray'
        Debug       = 'Gray'
        Information = 'White'
        Warning     = 'Yellow'
        Error       = 'Red'
        Critical    = 'Magenta'
    }

    [void] Write([LogEntry]$entry) {
        Write-Host $entry.Format() -ForegroundColor ([ConsoleSink]::Colours[[string]$entry.Level])
    }
}

class FileSink : LogSink {
    [string]$Path
    [long]$MaxBytes = 10MB
    [int]$Keep = 5

    FileSink([string]$path) {
        $this.Path = $path
        $dir = Split-Path -Path $path -Parent
        if ($dir -and -not (Test-Path $dir)) {
            New-Item -ItemType Directory -Path $dir -Force | Out-Null
        }
    }

    hidden [void] Roll() {
        for ($i = $this.Keep - 1; $i -ge 1; $i--) {
            $older = '{0}.{1}' -f $this.Path, $i
            $newer = if ($i -eq 1) { $this.Path } else { '{0}.{1}' -f $this.Path, ($i - 1) }
            if (Test-Path $newer) {
                Move-Item -Path $newer -Destination $older -Force
            }
        }
    }

    [void] Write([LogEntry]$entry) {
        if ((Test-Path $this.Path) -and (Get-Item $this.Path).Length -gt $this.MaxBytes) {
            $this.Roll()
        }
        [System.IO.File]::AppendAllText($this.Path, $entry.Format() + [Environment]::NewLine, [System.Text.Encoding]::UTF8)
    }
}

class JsonLinesSink : FileSink {
    JsonLinesSink([string]$path) : base($path) {
    }

    [void] Write([LogEntry]$entry) {
        $obj = [ordered]@{
            ts    = $entry.Timestamp.ToString('o')
            level = [string]$entry.Level
            src   = $entry.Source
            msg   = $entry.Message
        }
        foreach ($k in $entry.Properties.Keys) { $obj[$k] = $entry.Properties[$k] }
        [System.IO.File]::AppendAllText($this.Path, ($obj | ConvertTo-Json -Compress -Depth 4) + "`n")
    }
}

class Logger {
    [string]$Source
    hidden [System.Collections.Generic.List[LogSink]]$Sinks = [System.Collections.Generic.List[LogSink]]::new()
    static [Logger]$Default

    Logger([string]$source) {
        $this.Source = $source
    }

    [Logger] AddSink([LogSink]$sink) {
        $this.Sinks.Add($sink)
        return $this
    }

    [void] Log([LogLevel]$level, [string]$message, [hashtable]$properties) {
        $entry = [LogEntry]::new($level, $message, $this.Source, $properties)
        foreach ($s in $this.Sinks) {
            if ($s.Accepts($entry)) {
                try {
                    $s.Write($entry)
                }
                catch {
                    [Console]::Error.WriteLine("Log sink $($s.GetType().Name) failed: $($_.Exception.Message)")
                }
            }
        }
    }

    [void] Info([string]$message) { $this.Log([LogLevel]::Information, $message, $null) }
    [void] Warn([string]$message) { $this.Log([LogLevel]::Warning, $message, $null) }
    [void] Error([string]$message, [System.Management.Automation.ErrorRecord]$record) {
        $this.Log([LogLevel]::Error, $message, @{
            exception = $record.Exception.GetType().FullName
            detail    = $record.Exception.Message
            line      = $record.InvocationInfo.ScriptLineNumber
        })
    }

    static [Logger] Get([string]$source) {
        if ($null -eq [Logger]::Default) {
            $console = [ConsoleSink]::new()
            [Logger]::Default = [Logger]::new('default').AddSink($console)
        }
        $l = [Logger]::new($source)
        foreach ($s in [Logger]::Default.Sinks) { [void]$l.AddSink($s) }
        return $l
    }
}

# Example wiring used by the job scripts:
$log = [Logger]::new('mailbox-job')
$file = [FileSink]::new((Join-Path $env:TEMP 'jobs\mailbox-job.log'))
$file.MinimumLevel = [LogLevel]::Debug
[void]$log.AddSink([ConsoleSink]::new()).AddSink($file)
$log.Info('Logger initialised')
$log.Log([LogLevel]::Debug, 'Settings loaded', @{ file = 'Settings.psd1'; entries = 12 })
