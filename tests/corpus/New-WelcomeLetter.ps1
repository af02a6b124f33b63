# Generates the printed welcome letter for new starters (HTML, printed from the browser).
param(
    [Parameter(Mandatory)][string]$GivenName,
    [Parameter(Mandatory)][string]$SamAccountName,
    [Parameter(Mandatory)][datetime]$StartDate,
    [string]$Manager = 'your manager',
    [string]$OutFolder = "$env:USERPROFILE\Desktop"
)

$email = '{0}@contoso.com' -f $SamAccountName.ToLower()
$day = $StartDate.ToString('dddd d MMMM yyyy', [cultureinfo]'en-GB')
$checklist = @(
    'Sign in to your laptop with the temporary password from your manager'
    'Set up the Microsoft Authenticator app (https://aka.ms/mfasetup)'
    'Complete the security awareness training within 5 working days'
    'Book your desk with the Contoso Spaces app'
) | ForEach-Object -Begin { $n = 0 } -Process { $n++; "<li>$n. $_</li>" }

$html = @"
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Welcome $GivenName</title>
<style>
  body { font-family: Georgia, serif; margin: 3cm; }
  .box { border: 1px solid #999; padding: 1em; background: #f7f7f7; }
  li { list-style: none; margin: 0.3em 0; }
</style>
</head>
<body>
<h1>Welcome to Contoso, $GivenName!</h1>
<p>We are looking forward to seeing you on <b>$day</b>. $Manager will meet you at reception at 09:00.</p>
<div class="box">
  <p>User name: <code>CORP\$SamAccountName</code><br>
  Email: <code>$email</code></p>
</div>
<h2>Your first week</h2>
<ul>
$($checklist -join "`n")
</ul>
<p>Questions? Call the Service Desk on extension <b>4357</b> (HELP).</p>
</body>
</html>
"@

$file = Join-Path $OutFolder ("Welcome-{0}.html" -f $SamAccountName)
$html | Set-Content -Path $file -Encoding UTF8
Start-Process $file
