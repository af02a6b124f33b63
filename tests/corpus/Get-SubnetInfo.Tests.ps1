BeforeAll {
    . (Join-Path $PSScriptRoot 'Get-SubnetInfo.ps1')
}

Describe 'Get-SubnetInfo' {
    Context 'common prefixes' {
        It 'computes a /24' {
            $r = Get-SubnetInfo '192.168.10.77/24'
            $r.Network.ToString() | Should -Be '192.168.10.0'
            $r.Broadcast.ToString() | Should -Be '192.168.10.255'
            $r.Mask.ToString() | Should -Be '255.255.255.0'
            $r.HostCount | Should -Be 254
            $r.IsPrivate | Should -BeTrue
        }

        It 'computes a /22 that is not byte aligned' {
            $r = Get-SubnetInfo '10.20.30.40/22'
            $r.Network.ToString() | Should -Be '10.20.28.0'
            $r.LastHost.ToString() | Should -Be '10.20.31.254'
        }

        It 'handles <Cidr>' -TestCases @(
            @{ Cidr = '8.8.8.8/32'; Hosts = 1; First = '8.8.8.8' }
            @{ Cidr = '100.64.0.0/31'; Hosts = 2; First = '100.64.0.0' }
            @{ Cidr = '0.0.0.0/0'; Hosts = 4294967294; First = '0.0.0.1' }
        ) {
            $r = Get-SubnetInfo $Cidr
            $r.HostCount | Should -Be $Hosts
            $r.FirstHost.ToString() | Should -Be $First
        }
    }

    Context 'private ranges' {
        It '<Cidr> private = <Expected>' -TestCases @(
            @{ Cidr = '172.16.5.0/24'; Expected = $true }
            @{ Cidr = '172.32.0.0/16'; Expected = $false }
            @{ Cidr = '11.0.0.0/8'; Expected = $false }
            @{ Cidr = '192.168.0.0/16'; Expected = $true }
        ) {
            (Get-SubnetInfo $Cidr).IsPrivate | Should -Be $Expected
        }
    }

    Context 'validation' {
        It 'rejects malformed input' {
            { Get-SubnetInfo '10.0.0/8' } | Should -Throw
            { Get-SubnetInfo 'ten.0.0.0/8' } | Should -Throw
        }

        It 'rejects a prefix above 32' {
            { Get-SubnetInfo '10.0.0.0/33' } | Should -Throw '*Invalid prefix*'
        }
    }
}

Describe 'Split-Subnet' {
    It 'splits a /22 into four /24s' {
        $parts = Split-Subnet -Cidr '10.20.0.0/22' -NewPrefix 24
        $parts | Should -HaveCount 4
        $parts[0] | Should -Be '10.20.0.0/24'
        $parts[-1] | Should -Be '10.20.3.0/24'
    }

    It 'refuses to merge' {
        { Split-Subnet -Cidr '10.20.0.0/24' -NewPrefix 22 } | Should -Throw
    }
}
