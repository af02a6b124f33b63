<#
.SYNOPSIS
    WinForms tool for HR-driven account creation: AD user, home folder, mailbox in Exchange
    Online via the hybrid remote-mailbox cmdlets, and group memberships by department.
.NOTES
    Needs RSAT ActiveDirectory and the on-premises Exchange management tools (EMS) for
    Enable-RemoteMailbox. Run as a member of "Role-Provisioning".
#>

#Requires -Modules ActiveDirectory
#Requires -RunAsAdministrator

Add-Type -AssemblyName System.Windows.Forms
Add-Type -AssemblyName System.Drawing
[System.Windows.Forms.Application]::EnableVisualStyles()

$config = [ordered]@{
    UserOu          = 'OU=Users,OU=Corp,DC=corp,DC=contoso,DC=com'
    HomeRoot        = '\\fs01.corp.contoso.com\home$'
    UpnSuffix       = 'contoso.com'
    RoutingDomain   = 'contoso.mail.onmicrosoft.com'
    ExchangeServer  = 'exch01.corp.contoso.com'
    LogPath         = Join-Path ${env:ProgramData} 'Provisioning\provisioning.log'
    DefaultPassword = $null
}

$departmentGroups = @{
    'Finance'     = @('GG-Finance', 'GG-Finance-Share', 'DL-Finance')
    'Engineering' = @('GG-Engineering', 'GG-VPN-Users', 'DL-Engineering')
    'Sales'       = @('GG-Sales', 'GG-CRM-Users', 'DL-Sales')
    'HR'          = @('GG-HR', 'GG-HR-Confidential')
    'Operations'  = @('GG-Operations', 'GG-VPN-Users')
}

function Write-ProvisioningLog {
    param(
        [Parameter(Mandatory)][string]$Message,
        [ValidateSet('INFO', 'WARN', 'ERROR')][string]$Level = 'INFO'
    )
    $line = '{0:yyyy-MM-dd HH:mm:ss} [{1}] {2} {3}' -f (Get-Date), $Level, $env:USERNAME, $Message
    $dir = Split-Path $config.LogPath -Parent
    if (-not (Test-Path $dir)) { New-Item -ItemType Directory -Path $dir -Force | Out-Null }
    Add-Content -Path $config.LogPath -Value $line
    $logBox.AppendText($line + [Environment]::NewLine)
}

function New-SamAccountName {
    param([string]$GivenName, [string]$Surname)
    $clean = { param($s) ($s.Normalize([Text.NormalizationForm]::FormD) -replace '\p{Mn}', '') -replace '[^a-zA-Z]', '' }
    $base = ((& $clean $GivenName).Substring(0, 1) + (& $clean $Surname)).ToLower()
    if ($base.Length -gt 18) { $base = $base.Substring(0, 18) }
    $candidate = $base
    $n = 1
    while (Get-ADUser -Filter "SamAccountName -eq '$candidate'" -ErrorAction SilentlyContinue) {
        $n++
        $candidate = '{0}{1}' -f $base, $n
    }
    $candidate
}

function New-RandomPassword {
    param([ValidateRange(12, 64)][int]$Length = 16)
    $sets = @(
        'ABCDEFGHJKLMNPQRSTUVWXYZ'.ToCharArray()
        'abcdefghijkmnopqrstuvwxyz'.ToCharArray()
        '23456789'.ToCharArray()
        '!#%+-=?@'.ToCharArray()
    )
    $rng = [System.Security.Cryptography.RandomNumberGenerator]::Create()
    $bytes = [byte[]]::new($Length)
    $rng.GetBytes($bytes)
    $chars = for ($i = 0; $i -lt $Length; $i++) {
        $set = $sets[$i % $sets.Count]
        $set[$bytes[$i] % $set.Length]
    }
    -join ($chars | Sort-Object { Get-Random })
}

#region Form layout
$form = New-Object System.Windows.Forms.Form
$form.Text = 'New starter provisioning'
$form.Size = New-Object System.Drawing.Size(560, 620)
$form.StartPosition = 'CenterScreen'
$form.FormBorderStyle = 'FixedDialog'
$form.MaximizeBox = $false
$form.Font = New-Object System.Drawing.Font('Segoe UI', 9)

$y = 15
function Add-LabeledTextBox {
    param([string]$Label, [string]$Name)
    $lbl = New-Object System.Windows.Forms.Label
    $lbl.Text = $Label
    $lbl.Location = New-Object System.Drawing.Point(15, ($script:y + 3))
    $lbl.Size = New-Object System.Drawing.Size(140, 20)
    $form.Controls.Add($lbl)

    $tb = New-Object System.Windows.Forms.TextBox
    $tb.Name = $Name
    $tb.Location = New-Object System.Drawing.Point(160, $script:y)
    $tb.Size = New-Object System.Drawing.Size(360, 24)
    $form.Controls.Add($tb)
    $script:y += 32
    return $tb
}

$givenBox = Add-LabeledTextBox -Label 'First name' -Name 'GivenName'
$surnameBox = Add-LabeledTextBox -Label 'Last name' -Name 'Surname'
$titleBox = Add-LabeledTextBox -Label 'Job title' -Name 'Title'
$managerBox = Add-LabeledTextBox -Label 'Manager (sAMAccountName)' -Name 'Manager'

$deptLabel = New-Object System.Windows.Forms.Label
$deptLabel.Text = 'Department'
$deptLabel.Location = New-Object System.Drawing.Point(15, ($y + 3))
$deptLabel.Size = New-Object System.Drawing.Size(140, 20)
$form.Controls.Add($deptLabel)

$deptCombo = New-Object System.Windows.Forms.ComboBox
$deptCombo.DropDownStyle = [System.Windows.Forms.ComboBoxStyle]::DropDownList
$deptCombo.Location = New-Object System.Drawing.Point(160, $y)
$deptCombo.Size = New-Object System.Drawing.Size(200, 24)
$departmentGroups.Keys | Sort-Object | ForEach-Object { [void]$deptCombo.Items.Add($_) }
$form.Controls.Add($deptCombo)
$y += 32

$startLabel = New-Object System.Windows.Forms.Label
$startLabel.Text = 'Start date'
$startLabel.Location = New-Object System.Drawing.Point(15, ($y + 3))
$startLabel.Size = New-Object System.Drawing.Size(140, 20)
$form.Controls.Add($startLabel)

$startPicker = New-Object System.Windows.Forms.DateTimePicker
$startPicker.Format = [System.Windows.Forms.DateTimePickerFormat]::Short
$startPicker.Location = New-Object System.Drawing.Point(160, $y)
$startPicker.MinDate = (Get-Date).Date
$form.Controls.Add($startPicker)
$y += 32

$mailboxCheck = New-Object System.Windows.Forms.CheckBox
$mailboxCheck.Text = 'Create Exchange Online mailbox'
$mailboxCheck.Checked = $true
$mailboxCheck.Location = New-Object System.Drawing.Point(160, $y)
$mailboxCheck.AutoSize = $true
$form.Controls.Add($mailboxCheck)
$y += 26

$homeCheck = New-Object System.Windows.Forms.CheckBox
$homeCheck.Text = 'Create home folder'
$homeCheck.Checked = $true
$homeCheck.Location = New-Object System.Drawing.Point(160, $y)
$homeCheck.AutoSize = $true
$form.Controls.Add($homeCheck)
$y += 34

$createButton = New-Object System.Windows.Forms.Button
$createButton.Text = '&Create account'
$createButton.Location = New-Object System.Drawing.Point(160, $y)
$createButton.Size = New-Object System.Drawing.Size(140, 30)
$form.Controls.Add($createButton)
$form.AcceptButton = $createButton

$cancelButton = New-Object System.Windows.Forms.Button
$cancelButton.Text = 'Close'
$cancelButton.Location = New-Object System.Drawing.Point(310, $y)
$cancelButton.Size = New-Object System.Drawing.Size(100, 30)
$cancelButton.DialogResult = [System.Windows.Forms.DialogResult]::Cancel
$form.Controls.Add($cancelButton)
$form.CancelButton = $cancelButton
$y += 44

$logBox = New-Object System.Windows.Forms.TextBox
$logBox.Multiline = $true
$logBox.ReadOnly = $true
$logBox.ScrollBars = 'Vertical'
$logBox.Font = New-Object System.Drawing.Font('Consolas', 8.5)
$logBox.Location = New-Object System.Drawing.Point(15, $y)
$logBox.Size = New-Object System.Drawing.Size(505, (560 - $y))
$form.Controls.Add($logBox)

$errorProvider = New-Object System.Windows.Forms.ErrorProvider
$errorProvider.BlinkStyle = 'NeverBlink'
#endregion

$validate = {
    $ok = $true
    foreach ($box in @($givenBox, $surnameBox, $titleBox)) {
        if ([string]::IsNullOrWhiteSpace($box.Text)) {
            $errorProvider.SetError($box, 'Required')
            $ok = $false
        }
        else {
            $errorProvider.SetError($box, '')
        }
    }
    if ($deptCombo.SelectedIndex -lt 0) {
        $errorProvider.SetError($deptCombo, 'Choose a department')
        $ok = $false
    }
    else {
        $errorProvider.SetError($deptCombo, '')
    }
    if ($managerBox.Text -and -not (Get-ADUser -Filter "SamAccountName -eq '$($managerBox.Text)'")) {
        $errorProvider.SetError($managerBox, 'Unknown manager')
        $ok = $false
    }
    $ok
}

$createButton.Add_Click({
    if (-not (& $validate)) { return }

    $form.Cursor = [System.Windows.Forms.Cursors]::WaitCursor
    $createButton.Enabled = $false
    try {
        $given = $givenBox.Text.Trim()
        $surname = $surnameBox.Text.Trim()
        $sam = New-SamAccountName -GivenName $given -Surname $surname
        $upn = '{0}.{1}@{2}' -f ($given -replace '\s', ''), ($surname -replace '\s', ''), $config.UpnSuffix
        $plain = New-RandomPassword
        $secure = ConvertTo-SecureString -String $plain -AsPlainText -Force

        $newUser = @{
            Name                  = "$given $surname"
            GivenName             = $given
            Surname               = $surname
            DisplayName           = "$surname, $given"
            SamAccountName        = $sam
            UserPrincipalName     = $upn.ToLower()
            Title                 = $titleBox.Text
            Department            = $deptCombo.SelectedItem
            Path                  = $config.UserOu
            AccountPassword       = $secure
            ChangePasswordAtLogon = $true
            Enabled               = $false
            OtherAttributes       = @{ extensionAttribute1 = $startPicker.Value.ToString('yyyy-MM-dd') }
        }
        if ($managerBox.Text) { $newUser['Manager'] = $managerBox.Text }

        New-ADUser @newUser -ErrorAction Stop
        Write-ProvisioningLog "Created AD user $sam ($upn)"

        foreach ($g in $departmentGroups[$deptCombo.SelectedItem]) {
            try {
                Add-ADGroupMember -Identity $g -Members $sam -ErrorAction Stop
                Write-ProvisioningLog "  added to $g"
            }
            catch {
                Write-ProvisioningLog "  could not add to $g : $($_.Exception.Message)" -Level WARN
            }
        }

        if ($homeCheck.Checked) {
            $homePath = Join-Path $config.HomeRoot $sam
            New-Item -ItemType Directory -Path $homePath -ErrorAction Stop | Out-Null
            $acl = Get-Acl $homePath
            $rule = [System.Security.AccessControl.FileSystemAccessRule]::new(
                "CORP\$sam", 'Modify', 'ContainerInherit, ObjectInherit', 'None', 'Allow')
            $acl.AddAccessRule($rule)
            Set-Acl -Path $homePath -AclObject $acl
            Set-ADUser -Identity $sam -HomeDirectory $homePath -HomeDrive 'H:'
            Write-ProvisioningLog "  home folder $homePath"
        }

        if ($mailboxCheck.Checked) {
            $ems = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri "http://$($config.ExchangeServer)/PowerShell/" -Authentication Kerberos
            try {
                Invoke-Command -Session $ems -ScriptBlock {
                    Enable-RemoteMailbox -Identity $using:sam -RemoteRoutingAddress ('{0}@{1}' -f $using:sam, $using:config.RoutingDomain)
                } -ErrorAction Stop | Out-Null
                Write-ProvisioningLog "  remote mailbox enabled"
            }
            finally {
                Remove-PSSession $ems
            }
        }

        [System.Windows.Forms.Clipboard]::SetText($plain)
        [System.Windows.Forms.MessageBox]::Show(
            "Account $sam created.`nThe initial password is on the clipboard.",
            'Done', 'OK', 'Information') | Out-Null

        foreach ($box in @($givenBox, $surnameBox, $titleBox, $managerBox)) { $box.Clear() }
        $deptCombo.SelectedIndex = -1
    }
    catch {
        Write-ProvisioningLog $_.Exception.Message -Level ERROR
        [System.Windows.Forms.MessageBox]::Show($_.Exception.Message, 'Provisioning failed', 'OK', 'Error') | Out-Null
    }
    finally {
        $createButton.Enabled = $true
        $form.Cursor = [System.Windows.Forms.Cursors]::Default
    }
})

$form.Add_Shown({ $givenBox.Focus() })
[void]$form.ShowDialog()
$form.Dispose()
