# Registers the nightly maintenance jobs on a management server. Run elevated.
#Requires -RunAsAdministrator

$ScriptRoot = 'D:\Jobs'
$runAs = 'CORP\svc-jobs'
$password = Read-Host -Prompt "Password for $runAs" -AsSecureString
$plain = [Runtime.InteropServices.Marshal]::PtrToStringAuto([Runtime.InteropServices.Marshal]::SecureStringToBSTR($password))

$tasks = @(
    [ordered]@{ Name = 'Mailbox size report'; Script = 'Get-MailboxSizeReport.ps1'; At = '02:00'; Days = 'Monday' }
    [ordered]@{ Name = 'Stale accounts'; Script = 'Remove-StaleAdAccounts.ps1'; At = '03:30'; Days = 'Daily' }
    [ordered]@{ Name = 'Health check'; Script = 'Invoke-ServerHealthCheck.ps1'; At = '06:45'; Days = 'Weekdays' }
)

foreach ($t in $tasks) {
    $argument = '-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "{0}"' -f (Join-Path $ScriptRoot $t.Script)
    $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument $argument -WorkingDirectory $ScriptRoot

    $trigger = switch ($t.Days) {
        'Daily'    { New-ScheduledTaskTrigger -Daily -At $t.At }
        'Weekdays' { New-ScheduledTaskTrigger -Weekly -DaysOfWeek Monday, Tuesday, Wednesday, Thursday, Friday -At $t.At }
        default    { New-ScheduledTaskTrigger -Weekly -DaysOfWeek $t.Days -At $t.At }
    }
    $settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Hours 4) -MultipleInstances IgnoreNew -RestartCount 2 -RestartInterval (New-TimeSpan -Minutes 15)

    $taskName = "Contoso - $($t.Name)"
    if (Get-ScheduledTask -TaskName $taskName -ErrorAction SilentlyContinue) {
        Unregister-ScheduledTask -TaskName $taskName -Confirm:$false
    }
    Register-ScheduledTask -TaskName $taskName -TaskPath '\Contoso\' -Action $action -Trigger $trigger -Settings $settings -User $runAs -Password $plain -RunLevel Highest | Out-Null
    Write-Host "Registered $taskName ($($t.Days) at $($t.At))"
}

$plain = $null
[GC]::Collect()
