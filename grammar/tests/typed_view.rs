//! The typed view the translator builds on.
mod common;

use exomig_grammar::ast::{
    self, CommandElement, PipelineElement, Statement, StringKind, StringPart,
};
use exomig_grammar::source::LineIndex;
use exomig_grammar::SyntaxKind;

fn first_command<'a>(parse: &'a exomig_grammar::Parse) -> ast::Command<'a> {
    let node = parse
        .root
        .find_all(SyntaxKind::Command)
        .next()
        .expect("a command");
    ast::Command { node }
}

#[test]
fn command_name_parameters_and_arguments() {
    let src = "$s = New-PsSession -ConfigurationName:Microsoft.Exchange \u{2013}ConnectionUri \"https://x/?a=$t\" -Authentication Basic @extra -AllowRedirection 2>&1\n";
    let parse = common::parse_checked(src);
    assert!(parse.is_ok());
    let cmd = first_command(&parse);
    assert_eq!(cmd.name(src).as_deref(), Some("New-PsSession"));
    assert_eq!(&src[cmd.name_span().unwrap()], "New-PsSession");
    let elements = cmd.elements(src);
    let summary: Vec<String> = elements
        .iter()
        .map(|e| match e {
            CommandElement::Parameter {
                name,
                dash,
                colon_value,
                ..
            } => format!(
                "param {name} {dash} {}",
                colon_value.map(|v| v.text(src)).unwrap_or("-")
            ),
            CommandElement::Argument(expr, _) => format!("arg {}", expr.text(src)),
            CommandElement::Splat { name, .. } => format!("splat {name}"),
            CommandElement::Redirection(n) => format!("redir {}", n.text(src)),
            CommandElement::StopParsing(t) => format!("stop {}", t.text(src)),
        })
        .collect();
    assert_eq!(
        summary,
        [
            "param ConfigurationName - Microsoft.Exchange",
            "param ConnectionUri \u{2013} -",
            "arg \"https://x/?a=$t\"",
            "param Authentication - -",
            "arg Basic",
            "splat extra",
            "param AllowRedirection - -",
            "redir 2>&1",
        ]
    );
    assert!(cmd.parameter(src, "authentication").is_some());
    let uri = match &elements[2] {
        CommandElement::Argument(e, _) => e.as_string(src).unwrap(),
        _ => unreachable!(),
    };
    assert_eq!(uri.kind, StringKind::Double);
    assert!(uri.is_interpolated());
    assert!(
        matches!(&uri.parts[..], [StringPart::Literal(l), StringPart::Variable(v)] if l == "https://x/?a=" && v.name == "t")
    );
}

#[test]
fn comma_separated_arguments_are_one_array_argument() {
    let src = "Remove-PSSession $exo, $scc -Confirm:$false\n";
    let parse = common::parse_checked(src);
    let cmd = first_command(&parse);
    let elements = cmd.elements(src);
    let CommandElement::Argument(arg, _) = &elements[0] else {
        panic!("{elements:?}")
    };
    let values: Vec<_> = arg.array_elements().iter().map(|e| e.text(src)).collect();
    assert_eq!(values, ["$exo", "$scc"]);
    assert!(
        matches!(&elements[1], CommandElement::Parameter { name, colon_value: Some(v), .. } if name == "Confirm" && v.text(src) == "$false")
    );
}

#[test]
fn invoked_command_names_are_unquoted() {
    let src = "& 'C:\\Program Files\\t.exe' -x\n& $sb\n";
    let parse = common::parse_checked(src);
    let names: Vec<_> = parse
        .root
        .find_all(SyntaxKind::Command)
        .map(|n| ast::Command { node: n }.name(src))
        .collect();
    assert_eq!(names, [Some("C:\\Program Files\\t.exe".to_owned()), None]);
}

#[test]
fn assignments_with_scoped_and_indexed_targets() {
    let src = "$global:Session = New-PSSession\n$cfg['k'] += 1\n$p.Add('ConnectionUri', $u)\n$x = if ($a) { 1 } else { 2 }\n";
    let parse = common::parse_checked(src);
    let statements = parse.script().statements();
    assert_eq!(statements.len(), 4);
    let Statement::Assignment(a) = statements[0] else {
        panic!("{statements:?}")
    };
    let var = a.target().unwrap().as_variable(src).unwrap();
    assert_eq!(
        (var.scope.as_deref(), var.name.as_str()),
        (Some("global"), "Session")
    );
    assert_eq!(a.operator(src), "=");
    let Some(Statement::Pipeline(p)) = a.value() else {
        panic!()
    };
    assert_eq!(p.commands()[0].name(src).as_deref(), Some("New-PSSession"));

    let Statement::Assignment(b) = statements[1] else {
        panic!()
    };
    assert_eq!(b.operator(src), "+=");
    let index = b.target().unwrap().as_index().unwrap();
    assert_eq!(index.target().unwrap().text(src), "$cfg");
    assert_eq!(
        index.index().unwrap().static_string(src).as_deref(),
        Some("k")
    );

    let Statement::Pipeline(call) = statements[2] else {
        panic!()
    };
    let invoke = call
        .single_expression()
        .unwrap()
        .as_member_access()
        .unwrap();
    assert!(invoke.is_invocation());
    assert_eq!(invoke.member_name(src).as_deref(), Some("Add"));
    let args: Vec<_> = invoke.arguments().iter().map(|e| e.text(src)).collect();
    assert_eq!(args, ["'ConnectionUri'", "$u"]);

    let Statement::Assignment(d) = statements[3] else {
        panic!()
    };
    assert!(matches!(d.value(), Some(Statement::If(_))));
}

#[test]
fn hashtables_ordered_and_quoted_keys() {
    let src = "$p = [ordered]@{ ConfigurationName = 'Microsoft.Exchange'; 'ConnectionUri'\t= \"https://x/\"\n AllowRedirection = $true }\n";
    let parse = common::parse_checked(src);
    let Statement::Assignment(a) = parse.script().statements()[0] else {
        panic!()
    };
    let table = a.value_expr().unwrap().as_hashtable(src).unwrap();
    assert!(table.ordered);
    let entries = table.entries(src);
    let keys: Vec<_> = entries.iter().map(|e| e.key.clone().unwrap()).collect();
    assert_eq!(
        keys,
        ["ConfigurationName", "ConnectionUri", "AllowRedirection"]
    );
    let uri = table.entry(src, "connectionuri").unwrap();
    assert_eq!(
        uri.value_expr().unwrap().static_string(src).as_deref(),
        Some("https://x/")
    );
    assert_eq!(
        entries[2]
            .value_expr()
            .unwrap()
            .as_variable(src)
            .unwrap()
            .name,
        "true"
    );
}

#[test]
fn string_kinds_and_escape_decoding() {
    let src = "Write-Host 'it''s' \"a`tb\"\"c\" \u{201C}curly\u{201D} abc`  @'\nhere $x\n'@ @\"\nhi $n\n\"@\n";
    let parse = common::parse_checked(src);
    assert!(parse.is_ok(), "{:?}", parse.errors);
    let cmd = first_command(&parse);
    let strings: Vec<_> = cmd
        .elements(src)
        .into_iter()
        .filter_map(|e| match e {
            CommandElement::Argument(expr, _) => expr.as_string(src),
            _ => None,
        })
        .map(|s| (s.kind, s.value, s.open_quote, s.close_quote))
        .collect();
    assert_eq!(
        strings[0],
        (
            StringKind::Single,
            Some("it's".into()),
            "'".into(),
            "'".into()
        )
    );
    assert_eq!(
        strings[1],
        (
            StringKind::Double,
            Some("a\tb\"c".into()),
            "\"".into(),
            "\"".into()
        )
    );
    assert_eq!(
        strings[2],
        (
            StringKind::Double,
            Some("curly".into()),
            "\u{201C}".into(),
            "\u{201D}".into()
        )
    );
    assert_eq!(
        strings[3],
        (
            StringKind::Bare,
            Some("abc ".into()),
            String::new(),
            String::new()
        )
    );
    assert_eq!(
        strings[4],
        (
            StringKind::HereSingle,
            Some("here $x".into()),
            "@'".into(),
            "'@".into()
        )
    );
    assert_eq!(strings[5].0, StringKind::HereDouble);
    assert_eq!(strings[5].1, None);
}

#[test]
fn variables_in_all_forms() {
    let src = "$using:x; ${weird name}; $_; $$; $env:TEMP; ${env:ProgramFiles(x86)}\n";
    let parse = common::parse_checked(src);
    let vars: Vec<_> = parse
        .root
        .tokens()
        .filter(|t| t.kind == SyntaxKind::Variable)
        .map(|t| {
            let v = ast::Variable::from_token(t, src).unwrap();
            (v.scope, v.name)
        })
        .collect();
    assert_eq!(
        vars,
        [
            (Some("using".into()), "x".into()),
            (None, "weird name".into()),
            (None, "_".into()),
            (None, "$".into()),
            (Some("env".into()), "TEMP".into()),
            (Some("env".into()), "ProgramFiles(x86)".into()),
        ]
    );
}

#[test]
fn control_flow_views() {
    let src = "function global:Connect-Exo { param([string]$Uri = 'x') try { 1 } catch [System.Net.WebException] { 2 } finally { 3 } }\nif ($a) { 1 } elseif ($b) { 2 } else { 3 }\nswitch -regex ($x) { '^a' { 1 } default { 2 } }\nforeach ($m in $list) { $m }\n";
    let parse = common::parse_checked(src);
    let statements = parse.script().statements();
    let Statement::Function(f) = statements[0] else {
        panic!()
    };
    assert_eq!(f.name(src).as_deref(), Some("global:Connect-Exo"));
    assert_eq!(f.bare_name(src).as_deref(), Some("Connect-Exo"));
    let params = f.parameters();
    assert_eq!(params.len(), 1);
    let (var, default) = ast::parameter_parts(params[0], src);
    assert_eq!(var.unwrap().name, "Uri");
    assert_eq!(default.unwrap().static_string(src).as_deref(), Some("x"));
    let body = ast::statements(f.body().unwrap());
    let Statement::Try(t) = body[1] else {
        panic!("{body:?}")
    };
    assert_eq!(t.catches(src)[0].0, ["System.Net.WebException"]);
    assert!(t.finally_block().is_some());

    let Statement::If(i) = statements[1] else {
        panic!()
    };
    assert_eq!(i.clauses().len(), 2);
    assert!(i.else_block().is_some());

    let Statement::Switch(s) = statements[2] else {
        panic!()
    };
    assert_eq!(s.options(src), ["regex"]);
    let labels: Vec<_> = s.clauses().iter().map(|(l, _)| l.text(src)).collect();
    assert_eq!(labels, ["'^a'", "default"]);

    let Statement::Foreach(fe) = statements[3] else {
        panic!()
    };
    assert_eq!(fe.variable(src).unwrap().name, "m");
    assert!(fe.iterable().is_some());
}

#[test]
fn statement_spans_exclude_trivia_and_give_line_and_indentation() {
    let src = "if ($x) {\r\n    $s = New-PSSession `\r\n        -Name a   # trailing\r\n}\r\n";
    let parse = common::parse_checked(src);
    let all = ast::all_statements(&parse.root);
    let assignment = all
        .iter()
        .find(|s| matches!(s, Statement::Assignment(_)))
        .unwrap();
    let span = assignment.span();
    assert_eq!(
        &src[span.clone()],
        "$s = New-PSSession `\r\n        -Name a"
    );
    let index = LineIndex::new(src);
    let (line, col) = index.line_col(span.start);
    assert_eq!((line, col), (2, 5));
    assert_eq!(index.indentation(line), Some("    "));
    let comments: Vec<_> = ast::comments(&parse.root).map(|t| t.text(src)).collect();
    assert_eq!(comments, ["# trailing"]);
}

#[test]
fn pipeline_elements_and_precedence() {
    let src = "1 + 2 * 3 -eq 7 -and $ok | Out-Null\n";
    let parse = common::parse_checked(src);
    let Statement::Pipeline(p) = parse.script().statements()[0] else {
        panic!()
    };
    let elements = p.elements();
    assert_eq!(elements.len(), 2);
    let PipelineElement::Expression(e) = elements[0] else {
        panic!()
    };
    let (left, op, right) = e.as_binary(src).unwrap();
    assert_eq!(
        (left.text(src), op, right.text(src)),
        ("1 + 2 * 3 -eq 7", "-and", "$ok")
    );
    let (l2, op2, _) = left.as_binary(src).unwrap();
    assert_eq!((l2.text(src), op2), ("1 + 2 * 3", "-eq"));
    let (_, op3, r3) = l2.as_binary(src).unwrap();
    assert_eq!((op3, r3.text(src)), ("+", "2 * 3"));
    assert_eq!(
        exomig_grammar::precedence::normalise_operator("\u{2013}CEQ"),
        "eq"
    );
    assert_eq!(exomig_grammar::precedence::normalise_operator("-in"), "in");
    assert_eq!(
        exomig_grammar::precedence::normalise_operator("-isnot"),
        "isnot"
    );
}

#[test]
fn error_nodes_keep_healthy_statements() {
    let src = "Get-Date\n$x = = 1\nGet-Location\n";
    let parse = common::parse_checked(src);
    assert_eq!(parse.errors.len(), 1);
    let kinds: Vec<_> = parse
        .script()
        .statements()
        .iter()
        .map(|s| s.node().kind)
        .collect();
    assert_eq!(
        kinds,
        [
            SyntaxKind::Pipeline,
            SyntaxKind::Error,
            SyntaxKind::Pipeline
        ]
    );
    let err = &parse.errors[0];
    assert_eq!(&src[err.span.clone()], "$x = = 1");
}
