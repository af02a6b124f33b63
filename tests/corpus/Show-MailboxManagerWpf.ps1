<#
.SYNOPSIS
    Small WPF front end for the service desk: look up a mailbox, show its permissions and
    forwarding, and apply the three changes first-line staff are allowed to make.
.DESCRIPTION
    The window is defined in XAML below. Long-running Exchange calls run in a background
    runspace so the UI does not freeze; results come back through the dispatcher.
.NOTES
    Run in Windows PowerShell 5.1 or PowerShell 7 on Windows, STA thread required.
#>
#Requires -Modules ExchangeOnlineManagement

[CmdletBinding()]
param(
    [string]$AdminUpn = "$env:USERNAME@contoso.com",
    [switch]$NoConnect
)

Add-Type -AssemblyName PresentationFramework, PresentationCore, WindowsBase
Add-Type -AssemblyName System.Windows.Forms

if ([System.Threading.Thread]::CurrentThread.ApartmentState -ne 'STA') {
    Write-Warning 'Restarting in an STA thread...'
    $exe = (Get-Process -Id $PID).Path
    & $exe -STA -NoProfile -File $PSCommandPath @PSBoundParameters
    return
}

[xml]$xaml = @'
<Window xmlns="http://schemas.microsoft.com/winfx/2006/xaml/presentation"
        xmlns:x="http://schemas.microsoft.com/winfx/2006/xaml"
        Title="Mailbox Manager" Height="560" Width="820"
        WindowStartupLocation="CenterScreen" ResizeMode="CanResizeWithGrip">
    <Window.Resources>
        <Style TargetType="Button">
            <Setter Property="Margin" Value="4"/>
            <Setter Property="Padding" Value="10,3"/>
            <Setter Property="MinWidth" Value="90"/>
        </Style>
        <Style TargetType="TextBox">
            <Setter Property="Margin" Value="4"/>
            <Setter Property="VerticalContentAlignment" Value="Center"/>
        </Style>
    </Window.Resources>
    <DockPanel LastChildFill="True">
        <StatusBar DockPanel.Dock="Bottom">
            <StatusBarItem>
                <TextBlock x:Name="StatusText" Text="Not connected"/>
            </StatusBarItem>
            <StatusBarItem HorizontalAlignment="Right">
                <ProgressBar x:Name="Busy" Width="120" Height="14" IsIndeterminate="False"/>
            </StatusBarItem>
        </StatusBar>
        <Grid Margin="8">
            <Grid.RowDefinitions>
                <RowDefinition Height="Auto"/>
                <RowDefinition Height="Auto"/>
                <RowDefinition Height="*"/>
                <RowDefinition Height="Auto"/>
            </Grid.RowDefinitions>
            <Grid.ColumnDefinitions>
                <ColumnDefinition Width="Auto"/>
                <ColumnDefinition Width="*"/>
                <ColumnDefinition Width="Auto"/>
            </Grid.ColumnDefinitions>

            <Label Grid.Row="0" Grid.Column="0" Content="Mailbox:" VerticalAlignment="Center"/>
            <TextBox Grid.Row="0" Grid.Column="1" x:Name="IdentityBox" ToolTip="Name, alias or SMTP address"/>
            <Button Grid.Row="0" Grid.Column="2" x:Name="SearchButton" Content="_Search" IsDefault="True"/>

            <GroupBox Grid.Row="1" Grid.ColumnSpan="3" Header="Details" Margin="4">
                <UniformGrid Columns="2">
                    <TextBlock Text="Display name"/>
                    <TextBlock x:Name="DisplayNameText"/>
                    <TextBlock Text="Primary address"/>
                    <TextBlock x:Name="AddressText"/>
                    <TextBlock Text="Type"/>
                    <TextBlock x:Name="TypeText"/>
                    <TextBlock Text="Forwarding"/>
                    <TextBlock x:Name="ForwardingText"/>
                    <TextBlock Text="Litigation hold"/>
                    <TextBlock x:Name="HoldText"/>
                </UniformGrid>
            </GroupBox>

            <DataGrid Grid.Row="2" Grid.ColumnSpan="3" x:Name="PermissionGrid" Margin="4"
                      AutoGenerateColumns="False" IsReadOnly="True" SelectionMode="Single">
                <DataGrid.Columns>
                    <DataGridTextColumn Header="Trustee" Binding="{Binding Trustee}" Width="*"/>
                    <DataGridTextColumn Header="Right" Binding="{Binding Right}" Width="120"/>
                    <DataGridTextColumn Header="Inherited" Binding="{Binding Inherited}" Width="80"/>
                </DataGrid.Columns>
            </DataGrid>

            <StackPanel Grid.Row="3" Grid.ColumnSpan="3" Orientation="Horizontal" HorizontalAlignment="Right">
                <Button x:Name="GrantButton" Content="Grant Full Access..." IsEnabled="False"/>
                <Button x:Name="RemoveButton" Content="Remove selected" IsEnabled="False"/>
                <Button x:Name="ClearForwardButton" Content="Clear forwarding" IsEnabled="False"/>
                <Button x:Name="ExportButton" Content="Export CSV" IsEnabled="False"/>
                <Button x:Name="CloseButton" Content="Close" IsCancel="True"/>
            </StackPanel>
        </Grid>
    </DockPanel>
</Window>
'@

$reader = [System.Xml.XmlNodeReader]::new($xaml)
try {
    $window = [Windows.Markup.XamlReader]::Load($reader)
}
catch {
    Write-Error "XAML could not be loaded: $($_.Exception.InnerException.Message)"
    return
}

# Expose every named element as a variable called $ui.<Name>.
$ui = @{}
$xaml.SelectNodes('//*[@*[local-name()="Name"]]') | ForEach-Object {
    $name = $_.Attributes | Where-Object LocalName -eq 'Name' | Select-Object -ExpandProperty Value
    $ui[$name] = $window.FindName($name)
}

$script:current = $null
$script:permissions = [System.Collections.ObjectModel.ObservableCollection[object]]::new()
$ui.PermissionGrid.ItemsSource = $script:permissions

function Set-Status {
    param(
        [string]$Text,
        [switch]$Busy
    )
    $ui.StatusText.Text = $Text
    $ui.Busy.IsIndeterminate = [bool]$Busy
}

function Set-ActionButtons([bool]$Enabled) {
    foreach ($b in 'GrantButton', 'RemoveButton', 'ClearForwardButton', 'ExportButton') {
        $ui[$b].IsEnabled = $Enabled
    }
}

function Invoke-Background {
    <#
        Runs $Work in a separate runspace and calls $OnComplete on the UI thread with its
        output. The runspace inherits the EXO connection through the shared module state.
    #>
    param(
        [scriptblock]$Work,
        [object[]]$ArgumentList,
        [scriptblock]$OnComplete
    )

    $ps = [powershell]::Create()
    $ps.Runspace = $script:pool
    [void]$ps.AddScript($Work)
    foreach ($a in $ArgumentList) { [void]$ps.AddArgument($a) }

    $handle = $ps.BeginInvoke()
    $timer = [System.Windows.Threading.DispatcherTimer]::new()
    $timer.Interval = [timespan]::FromMilliseconds(200)
    $timer.Add_Tick({
        if ($handle.IsCompleted) {
            $timer.Stop()
            try {
                $result = $ps.EndInvoke($handle)
                $errors = @($ps.Streams.Error)
                & $OnComplete $result $errors
            }
            finally {
                $ps.Dispose()
            }
        }
    }.GetNewClosure())
    $timer.Start()
}

$lookupWork = {
    param($Identity)
    $mbx = Get-EXOMailbox -Identity $Identity -Properties ForwardingSmtpAddress, ForwardingAddress, LitigationHoldEnabled, RecipientTypeDetails -ErrorAction Stop
    $perms = Get-EXOMailboxPermission -Identity $mbx.PrimarySmtpAddress |
        Where-Object { $_.User -ne 'NT AUTHORITY\SELF' } |
        ForEach-Object {
            [PSCustomObject]@{
                Trustee   = $_.User
                Right     = ($_.AccessRights -join ', ')
                Inherited = $_.IsInherited
            }
        }
    [PSCustomObject]@{ Mailbox = $mbx; Permissions = @($perms) }
}

$ui.SearchButton.Add_Click({
    $id = $ui.IdentityBox.Text.Trim()
    if ([string]::IsNullOrWhiteSpace($id)) {
        [System.Windows.MessageBox]::Show('Enter a name or address first.', 'Mailbox Manager', 'OK', 'Information') | Out-Null
        return
    }
    Set-ActionButtons $false
    Set-Status "Looking up $id..." -Busy
    Invoke-Background -Work $lookupWork -ArgumentList $id -OnComplete {
        param($result, $errors)
        if ($errors.Count -gt 0 -or -not $result) {
            Set-Status "Not found: $($errors[0])"
            return
        }
        $r = $result[0]
        $script:current = $r.Mailbox
        $ui.DisplayNameText.Text = $r.Mailbox.DisplayName
        $ui.AddressText.Text = $r.Mailbox.PrimarySmtpAddress
        $ui.TypeText.Text = $r.Mailbox.RecipientTypeDetails
        $fwd = @($r.Mailbox.ForwardingSmtpAddress, $r.Mailbox.ForwardingAddress) | Where-Object { $_ }
        $ui.ForwardingText.Text = if ($fwd) { $fwd -join '; ' } else { '(none)' }
        $ui.HoldText.Text = if ($r.Mailbox.LitigationHoldEnabled) { 'Enabled' } else { 'Disabled' }
        $script:permissions.Clear()
        foreach ($p in $r.Permissions) { $script:permissions.Add($p) }
        Set-ActionButtons $true
        Set-Status ("{0}: {1} permission entries" -f $r.Mailbox.PrimarySmtpAddress, $r.Permissions.Count)
    }
})

$ui.GrantButton.Add_Click({
    $trustee = [Microsoft.VisualBasic.Interaction]::InputBox('User to grant Full Access to:', 'Grant Full Access', '')
    if (-not $trustee) { return }
    $answer = [System.Windows.MessageBox]::Show(
        "Grant $trustee Full Access to $($script:current.PrimarySmtpAddress)?",
        'Confirm', [System.Windows.MessageBoxButton]::YesNo, [System.Windows.MessageBoxImage]::Question)
    if ($answer -ne [System.Windows.MessageBoxResult]::Yes) { return }

    try {
        Add-MailboxPermission -Identity $script:current.PrimarySmtpAddress -User $trustee -AccessRights FullAccess -AutoMapping $true -ErrorAction Stop | Out-Null
        $script:permissions.Add([PSCustomObject]@{ Trustee = $trustee; Right = 'FullAccess'; Inherited = $false })
        Set-Status "Granted Full Access to $trustee"
    }
    catch {
        [System.Windows.MessageBox]::Show($_.Exception.Message, 'Error', 'OK', 'Error') | Out-Null
    }
})

$ui.RemoveButton.Add_Click({
    $sel = $ui.PermissionGrid.SelectedItem
    if ($null -eq $sel) { return }
    if ($sel.Inherited) {
        Set-Status 'Inherited permissions must be changed on the parent object.'
        return
    }
    try {
        Remove-MailboxPermission -Identity $script:current.PrimarySmtpAddress -User $sel.Trustee -AccessRights FullAccess -Confirm:$false -ErrorAction Stop
        [void]$script:permissions.Remove($sel)
        Set-Status "Removed $($sel.Trustee)"
    }
    catch {
        Set-Status "Remove failed: $($_.Exception.Message)"
    }
})

$ui.ClearForwardButton.Add_Click({
    Set-Mailbox -Identity $script:current.PrimarySmtpAddress -ForwardingSmtpAddress $null -ForwardingAddress $null -DeliverToMailboxAndForward $false
    $ui.ForwardingText.Text = '(none)'
    Set-Status 'Forwarding cleared'
})

$ui.ExportButton.Add_Click({
    $dialog = [Microsoft.Win32.SaveFileDialog]::new()
    $dialog.Filter = 'CSV files (*.csv)|*.csv|All files (*.*)|*.*'
    $dialog.FileName = ('{0}-permissions.csv' -f ($script:current.Alias -replace '[^\w\-]', '_'))
    if ($dialog.ShowDialog($window)) {
        $script:permissions | Export-Csv -Path $dialog.FileName -NoTypeInformation -Encoding UTF8
        Set-Status "Saved $($dialog.FileName)"
    }
})

$ui.CloseButton.Add_Click({ $window.Close() })

$ui.IdentityBox.Add_KeyDown({
    param($sender, $e)
    if ($e.Key -eq [System.Windows.Input.Key]::Escape) {
        $sender.Clear()
        $e.Handled = $true
    }
})

$window.Add_Closing({
    param($sender, $e)
    if ($ui.Busy.IsIndeterminate) {
        $r = [System.Windows.MessageBox]::Show('A lookup is still running. Close anyway?', 'Mailbox Manager', 'YesNo', 'Warning')
        if ($r -eq 'No') { $e.Cancel = $true }
    }
})

Add-Type -AssemblyName Microsoft.VisualBasic

$iss = [System.Management.Automation.Runspaces.InitialSessionState]::CreateDefault()
$iss.ImportPSModule('ExchangeOnlineManagement')
$script:pool = [runspacefactory]::CreateRunspace($iss)
$script:pool.ApartmentState = 'STA'
$script:pool.Open()

if (-not $NoConnect) {
    Set-Status "Connecting as $AdminUpn..." -Busy
    try {
        Connect-ExchangeOnline -UserPrincipalName $AdminUpn -ShowBanner:$false -ErrorAction Stop
        # The background runspace needs its own connection; reuse the cached token.
        $ps = [powershell]::Create()
        $ps.Runspace = $script:pool
        [void]$ps.AddScript({ param($u) Connect-ExchangeOnline -UserPrincipalName $u -ShowBanner:$false }).AddArgument($AdminUpn)
        [void]$ps.Invoke()
        $ps.Dispose()
        Set-Status "Connected as $AdminUpn"
    }
    catch {
        Set-Status "Connection failed: $($_.Exception.Message)"
    }
}

[void]$window.ShowDialog()

$script:pool.Close()
$script:pool.Dispose()
if (-not $NoConnect) {
    Disconnect-ExchangeOnline -Confirm:$false -ErrorAction SilentlyContinue
}
