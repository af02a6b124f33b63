#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.3.0' }

<#
    Pester 5 tests for MailboxReporting. Exchange cmdlets are mocked inside the module
    scope, so the tests run without a tenant.
    Invoke-Pester -Path .\MailboxReporting.Tests.ps1 -Output Detailed
#>

BeforeAll {
    $modulePath = Join-Path $PSScriptRoot 'MailboxReporting.psm1'

    # The module requires ExchangeOnlineManagement; provide stubs when it is not installed.
    if (-not (Get-Module -ListAvailable -Name ExchangeOnlineManagement)) {
        $stub = New-Module -Name ExchangeOnlineManagement -ScriptBlock {
            function Get-EXOMailbox { param($Identity, $ResultSize, $RecipientTypeDetails, $Properties) }
            function Get-EXOMailboxStatistics { param($Identity, [switch]$Archive, $PropertySets) }
            function Get-EXOMailboxPermission { param($Identity) }
            function Get-EXORecipientPermission { param($Identity) }
            function Set-Mailbox { param($Identity, $IssueWarningQuota, $ProhibitSendQuota, $ProhibitSendReceiveQuota, $UseDatabaseQuotaDefaults) }
            Export-ModuleMember -Function *
        }
        $stub | Import-Module -Force
    }

    Import-Module $modulePath -Force

    function New-FakeMailbox {
        param(
            [string]$Name,
            [string]$Type = 'UserMailbox',
            [string]$Quota = '49.5 GB (53,150,220,288 bytes)'
        )
        [PSCustomObject]@{
            DisplayName          = $Name
            PrimarySmtpAddress   = "$($Name.ToLower() -replace '\s', '.')@contoso.com"
            RecipientTypeDetails = $Type
            ProhibitSendQuota    = $Quota
            ArchiveStatus        = 'None'
        }
    }
}

AfterAll {
    Remove-Module MailboxReporting -ErrorAction SilentlyContinue
}

Describe 'Format-ByteCount' {
    It 'formats <Bytes> as <Expected>' -TestCases @(
        @{ Bytes = 512; Expected = '512 B' }
        @{ Bytes = 2048; Expected = '2.00 KB' }
        @{ Bytes = 5MB; Expected = '5.00 MB' }
        @{ Bytes = 1.5GB; Expected = '1.50 GB' }
        @{ Bytes = 2TB; Expected = '2.00 TB' }
    ) {
        param($Bytes, $Expected)
        $culture = [System.Threading.Thread]::CurrentThread.CurrentCulture
        try {
            [System.Threading.Thread]::CurrentThread.CurrentCulture = 'en-US'
            Format-ByteCount -Bytes $Bytes | Should -Be $Expected
        }
        finally {
            [System.Threading.Thread]::CurrentThread.CurrentCulture = $culture
        }
    }

    It 'honours -Decimals' {
        Format-ByteCount -Bytes 1234567 -Decimals 0 | Should -Match '^\d+ MB$'
    }

    It 'accepts pipeline input' {
        $out = 1KB, 1MB | Format-ByteCount
        $out | Should -HaveCount 2
    }
}

Describe 'ConvertTo-ByteCount' {
    # Private function: reach it through the module's scope, at run time.
    It 'parses the deserialized string form' {
        InModuleScope MailboxReporting {
            ConvertTo-ByteCount '1.234 GB (1,324,997,410 bytes)' | Should -Be 1324997410
        }
    }

    It 'returns MaxValue for Unlimited' {
        InModuleScope MailboxReporting {
            ConvertTo-ByteCount 'Unlimited' | Should -Be ([long]::MaxValue)
        }
    }

    It 'returns zero for $null' {
        InModuleScope MailboxReporting {
            ConvertTo-ByteCount $null | Should -Be 0
        }
    }

    It 'warns on garbage' {
        InModuleScope MailboxReporting {
            ConvertTo-ByteCount 'twelve' -WarningVariable w -WarningAction SilentlyContinue | Should -Be 0
            $w | Should -Not -BeNullOrEmpty
        }
    }
}

Describe 'Get-MailboxSizeReport' {
    BeforeEach {
        Mock -ModuleName MailboxReporting Get-EXOMailbox {
            New-FakeMailbox -Name 'Alice Archer'
            New-FakeMailbox -Name 'Bob Baker' -Quota 'Unlimited'
            New-FakeMailbox -Name 'Shared Desk' -Type 'SharedMailbox'
        } -ParameterFilter { $null -eq $Identity }

        Mock -ModuleName MailboxReporting Get-EXOMailbox {
            New-FakeMailbox -Name 'Carol Cook'
        } -ParameterFilter { $Identity -eq 'carol.cook@contoso.com' }

        Mock -ModuleName MailboxReporting Get-EXOMailbox {
            throw [System.Management.Automation.ItemNotFoundException]::new('not found')
        } -ParameterFilter { $Identity -eq 'nobody@contoso.com' }

        Mock -ModuleName MailboxReporting Get-EXOMailboxStatistics {
            [PSCustomObject]@{
                TotalItemSize        = '10 GB (10,737,418,240 bytes)'
                TotalDeletedItemSize = '1 GB (1,073,741,824 bytes)'
                ItemCount            = 4242
            }
        }
    }

    Context 'all mailboxes' {
        It 'returns one row per mailbox' {
            $rows = Get-MailboxSizeReport
            $rows | Should -HaveCount 3
            Should -Invoke -ModuleName MailboxReporting Get-EXOMailboxStatistics -Times 3 -Exactly
        }

        It 'computes quota percentage only for finite quotas' {
            $rows = Get-MailboxSizeReport
            ($rows | Where-Object DisplayName -eq 'Alice Archer').QuotaPercent | Should -BeGreaterThan 0
            ($rows | Where-Object DisplayName -eq 'Bob Baker').QuotaPercent | Should -BeNullOrEmpty
        }

        It 'passes the type filter through' {
            $null = Get-MailboxSizeReport -RecipientTypeDetails SharedMailbox
            Should -Invoke -ModuleName MailboxReporting Get-EXOMailbox -ParameterFilter {
                $RecipientTypeDetails -contains 'SharedMailbox'
            }
        }
    }

    Context 'by identity' {
        It 'accepts identities from the pipeline' {
            $rows = 'carol.cook@contoso.com' | Get-MailboxSizeReport
            $rows.DisplayName | Should -Be 'Carol Cook'
            $rows.TotalBytes | Should -Be 10737418240
        }

        It 'writes a non-terminating error for unknown mailboxes' {
            $rows = 'nobody@contoso.com', 'carol.cook@contoso.com' | Get-MailboxSizeReport -ErrorVariable err -ErrorAction SilentlyContinue
            $rows | Should -HaveCount 1
            $err | Should -HaveCount 1
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Context 'when statistics fail' {
        BeforeEach {
            Mock -ModuleName MailboxReporting Get-EXOMailboxStatistics { throw 'no stats' }
        }

        It 'reports zero sizes with a note' {
            $rows = Get-MailboxSizeReport
            $rows | ForEach-Object { $_.TotalBytes | Should -Be 0 }
            $rows.Note | Select-Object -Unique | Should -Be 'Statistics unavailable'
        }
    }
}

Describe 'Set-MailboxQuotaProfile' {
    BeforeEach {
        Mock -ModuleName MailboxReporting Set-Mailbox { }
    }

    It 'does nothing with -WhatIf' {
        Set-MailboxQuotaProfile -Identity 'a@contoso.com' -QuotaProfile Small -WhatIf
        Should -Invoke -ModuleName MailboxReporting Set-Mailbox -Times 0 -Exactly
    }

    It 'applies the <QuotaProfile> profile' -ForEach @(
        @{ QuotaProfile = 'Small'; Send = 1.9GB }
        @{ QuotaProfile = 'Standard'; Send = 48GB }
        @{ QuotaProfile = 'Executive'; Send = 95GB }
    ) {
        Set-MailboxQuotaProfile -Identity 'a@contoso.com' -QuotaProfile $QuotaProfile -Confirm:$false
        Should -Invoke -ModuleName MailboxReporting Set-Mailbox -Times 1 -Exactly -ParameterFilter {
            $ProhibitSendQuota -eq $Send -and $UseDatabaseQuotaDefaults -eq $false
        }
    }

    It 'rejects unknown profiles' {
        { Set-MailboxQuotaProfile -Identity 'a@contoso.com' -QuotaProfile 'Huge' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Set-MailboxQuotaProfile'
    }

    It 'processes every pipeline item' {
        'a@contoso.com', 'b@contoso.com', 'c@contoso.com' | Set-MailboxQuotaProfile -QuotaProfile Standard -Confirm:$false
        Should -Invoke -ModuleName MailboxReporting Set-Mailbox -Times 3 -Exactly
    }
}

Describe 'ConvertTo-MailboxHtmlReport' {
    BeforeAll {
        $rows = @(
            [PSCustomObject]@{ DisplayName = 'A'; Address = 'a@contoso.com'; Type = 'UserMailbox'; ItemCount = 1; TotalBytes = 100; TotalSize = '100 B'; QuotaPercent = 99.5 }
            [PSCustomObject]@{ DisplayName = 'B'; Address = 'b@contoso.com'; Type = 'UserMailbox'; ItemCount = 2; TotalBytes = 50; TotalSize = '50 B'; QuotaPercent = 10 }
            [PSCustomObject]@{ DisplayName = 'C <script>'; Address = 'c@contoso.com'; Type = 'UserMailbox'; ItemCount = 3; TotalBytes = 10; TotalSize = '10 B'; QuotaPercent = 101 }
        )
        $html = $rows | ConvertTo-MailboxHtmlReport -Title 'Test & report' -WarningPercent 90
    }

    It 'produces a complete document' {
        $html | Should -Match '<html'
        $html | Should -Match '</html>'
    }

    It 'encodes the title' {
        $html | Should -Match 'Test &amp; report'
    }

    It 'marks warning and critical rows' {
        $html | Should -Match 'class="warn">99.5<'
        $html | Should -Match 'class="crit">101<'
    }

    It 'orders rows by size' {
        $a = $html.IndexOf('a@contoso.com')
        $b = $html.IndexOf('b@contoso.com')
        $a | Should -BeLessThan $b
    }

    It 'does not emit raw markup from data' {
        $html | Should -Not -Match '<script>'
    }
}

BeforeDiscovery {
    # -ForEach data is evaluated at discovery, before BeforeAll has imported the module,
    # so the function list comes from the manifest.
    $manifestPath = Join-Path $PSScriptRoot 'MailboxReporting.psd1'
    $exportedCases = (Import-PowerShellDataFile -Path $manifestPath).FunctionsToExport | ForEach-Object { @{ Name = $_ } }
}

Describe 'Module surface' {
    It 'exports exactly the documented functions' {
        $exported = (Get-Module MailboxReporting).ExportedFunctions.Keys | Sort-Object
        $manifest = Import-PowerShellDataFile -Path (Join-Path $PSScriptRoot 'MailboxReporting.psd1')
        $exported | Should -Be ($manifest.FunctionsToExport | Sort-Object)
    }

    It 'has help for <Name>' -ForEach $exportedCases {
        $help = Get-Help $Name -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
    }
}
