//! Helpers shared by the HTTP tests: a started emulator, tokens and InvokeCommand calls.
#![allow(dead_code)]

use exomig_emulator::{
    spawn, EmulatorConfig, RunningEmulator, DEFAULT_CLIENT_ID, TEST_CLIENT_SECRET,
};
use serde_json::{json, Value};

pub const AUDIENCE_SCOPE: &str = "https://outlook.office365.com/.default";

pub async fn start(config: EmulatorConfig) -> RunningEmulator {
    spawn(config).await.expect("emulator starts")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// Posts a token request form and returns status and JSON body.
pub async fn token_request(emu: &RunningEmulator, form: &[(&str, &str)]) -> (u16, Value) {
    let response = client()
        .post(emu.token_url())
        .form(form)
        .send()
        .await
        .expect("token endpoint answers");
    let status = response.status().as_u16();
    (
        status,
        response.json().await.expect("token endpoint answers JSON"),
    )
}

/// An app token from the client-credentials grant with the test secret.
pub async fn app_token(emu: &RunningEmulator) -> String {
    let (status, body) = token_request(
        emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("client_secret", TEST_CLIENT_SECRET),
            ("scope", AUDIENCE_SCOPE),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// `value[]` with the `@` annotations removed, as ExoHelper-style clients see it.
    pub fn objects(&self) -> Vec<Value> {
        self.body["value"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|mut o| {
                if let Some(map) = o.as_object_mut() {
                    map.retain(|k, _| !k.contains('@'));
                }
                o
            })
            .collect()
    }

    pub fn detail(&self) -> String {
        self.body["error"]["details"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn warnings(&self) -> Vec<String> {
        self.body["@adminapi.warnings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|w| w.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub fn body(cmdlet: &str, parameters: Value) -> Value {
    json!({"CmdletInput": {"CmdletName": cmdlet, "Parameters": parameters}})
}

pub async fn post(url: &str, token: &str, body: &Value, prefer: Option<&str>) -> Reply {
    let mut request = client()
        .post(url)
        .bearer_auth(token)
        .header("X-ResponseFormat", "json")
        .json(body);
    if let Some(prefer) = prefer {
        request = request.header("Prefer", prefer);
    }
    let response = request.send().await.expect("InvokeCommand answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        headers,
        body,
    }
}

pub async fn invoke(emu: &RunningEmulator, token: &str, cmdlet: &str, parameters: Value) -> Reply {
    post(&emu.invoke_url(), token, &body(cmdlet, parameters), None).await
}
