BeforeAll {
    . (Join-Path $PSScriptRoot 'Logger.Class.ps1')

    # A sink class cannot be declared here: a base class from a dot-sourced file is not
    # known when this file is parsed. Use the JSON-lines sink and read the file back.
    function Read-Entries([string]$Path) {
        if (-not (Test-Path $Path)) { return @() }
        @(Get-Content -Path $Path | ForEach-Object { $_ | ConvertFrom-Json })
    }
}

Describe 'LogEntry' {
    It 'formats level, source and message' {
        $e = [LogEntry]::new([LogLevel]::Warning, 'disk low', 'health', @{ drive = 'C:' })
        $text = $e.Format()
        $text | Should -Match 'Warning'
        $text | Should -Match '\[health\] disk low'
        $text | Should -Match 'drive=C:'
    }

    It 'uses an empty property bag when none is given' {
        $e = [LogEntry]::new([LogLevel]::Information, 'x', 's', $null)
        $e.Properties.Count | Should -Be 0
    }
}

Describe 'Logger' {
    BeforeEach {
        $path = Join-Path $TestDrive ('{0}.jsonl' -f [guid]::NewGuid())
        $sink = [JsonLinesSink]::new($path)
        $sink.MinimumLevel = [LogLevel]::Information
        $logger = [Logger]::new('test').AddSink($sink)
    }

    It 'drops entries below the sink level' {
        $logger.Log([LogLevel]::Debug, 'hidden', $null)
        $logger.Info('shown')
        $entries = Read-Entries $path
        $entries | Should -HaveCount 1
        $entries[0].msg | Should -Be 'shown'
    }

    It 'records error details from an ErrorRecord' {
        try { throw [System.IO.FileNotFoundException]::new('gone') } catch { $logger.Error('load failed', $_) }
        $entry = (Read-Entries $path)[0]
        $entry.level | Should -Be 'Error'
        $entry.exception | Should -Be 'System.IO.FileNotFoundException'
        $entry.detail | Should -Be 'gone'
    }

    It 'keeps logging when a sink throws' {
        $bad = [LogSink]::new()
        [void]$logger.AddSink($bad)
        { $logger.Warn('still works') } | Should -Not -Throw
        Read-Entries $path | Should -HaveCount 1
    }
}

Describe 'FileSink' {
    It 'rolls the file when it exceeds MaxBytes' {
        $path = Join-Path $TestDrive 'roll.log'
        $file = [FileSink]::new($path)
        $file.MaxBytes = 200
        $file.Keep = 3
        $logger = [Logger]::new('roll').AddSink($file)
        1..20 | ForEach-Object { $logger.Info("message number $_ with some padding text") }
        Test-Path "$path.1" | Should -BeTrue
        (Get-Item $path).Length | Should -BeLessOrEqual 400
        Test-Path "$path.3" | Should -BeFalse
    }
}
