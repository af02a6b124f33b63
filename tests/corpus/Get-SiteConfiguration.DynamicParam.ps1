function Get-SiteConfiguration {
    <#
    .SYNOPSIS
        Returns the configuration of a branch site. The -Site parameter is built dynamically
        from the sites.json file so tab completion always shows the current list.
    .PARAMETER ConfigPath
        Path of the site catalogue.
    .PARAMETER Site
        (dynamic) Site code from the catalogue.
    .PARAMETER Section
        Part of the configuration to return.
    .EXAMPLE
        Get-SiteConfiguration -Site AMS -Section Network
    #>
    [CmdletBinding()]
    param(
        [string]$ConfigPath = (Join-Path $PSScriptRoot 'sites.json'),

        [ValidateSet('All', 'Network', 'Printers', 'Servers', 'Contacts')]
        [string]$Section = 'All'
    )

    DynamicParam {
        $dictionary = [System.Management.Automation.RuntimeDefinedParameterDictionary]::new()

        $attributes = [System.Collections.ObjectModel.Collection[System.Attribute]]::new()
        $paramAttr = [System.Management.Automation.ParameterAttribute]::new()
        $paramAttr.Mandatory = $true
        $paramAttr.Position = 0
        $paramAttr.HelpMessage = 'Three-letter site code'
        $attributes.Add($paramAttr)

        $path = if ($PSBoundParameters.ContainsKey('ConfigPath')) { $PSBoundParameters['ConfigPath'] } else { Join-Path $PSScriptRoot 'sites.json' }
        if (Test-Path -LiteralPath $path) {
            $codes = (Get-Content -LiteralPath $path -Raw | ConvertFrom-Json).sites.code
            if ($codes) {
                $attributes.Add([System.Management.Automation.ValidateSetAttribute]::new([string[]]$codes))
            }
        }
        $attributes.Add([System.Management.Automation.AliasAttribute]::new('Code', 'SiteCode'))

        $param = [System.Management.Automation.RuntimeDefinedParameter]::new('Site', [string], $attributes)
        $dictionary.Add('Site', $param)
        return $dictionary
    }

    begin {
        $Site = $PSBoundParameters['Site']
        $catalogue = Get-Content -LiteralPath $ConfigPath -Raw | ConvertFrom-Json
    }

    process {
        $entry = $catalogue.sites | Where-Object code -eq $Site
        if (-not $entry) {
            $PSCmdlet.ThrowTerminatingError(
                [System.Management.Automation.ErrorRecord]::new(
                    [System.Management.Automation.ItemNotFoundException]::new("Site '$Site' not in $ConfigPath"),
                    'SiteNotFound',
                    [System.Management.Automation.ErrorCategory]::ObjectNotFound,
                    $Site))
        }

        switch ($Section) {
            'All'      { $entry }
            'Network'  { $entry.network }
            'Printers' { $entry.printers | Sort-Object name }
            'Servers'  { $entry.servers }
            'Contacts' { $entry.contacts | Select-Object name, role, phone }
        }
    }
}

Register-ArgumentCompleter -CommandName Get-SiteConfiguration -ParameterName Section -ScriptBlock {
    param($commandName, $parameterName, $wordToComplete, $commandAst, $fakeBoundParameters)
    'All', 'Network', 'Printers', 'Servers', 'Contacts' |
        Where-Object { $_ -like "$wordToComplete*" } |
        ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_) }
}
