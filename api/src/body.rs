//! Reading request bodies: the JSON object of `POST`/`PUT /users` and the login form.
//!
//! Bodies are read here, not by axum's `Json`/`Form` extractors, so that every refusal is one of
//! this API's own answers: `Wrong format` for anything that is not a JSON object (D4, D7), 413
//! past the size limit, and "no fields" for a login body that is not a form.

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request};
use axum::http::{header, HeaderMap};
use axum::Form;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::{Map, Value};
use tower::{Layer, ServiceExt};

use crate::error::ApiError;

/// A JSON object from a request body, keys as sent (a repeated key keeps its last value).
pub type JsonObject = Map<String, Value>;

/// The fields of a form body, in order, as `(name, value)` pairs.
pub type FormFields = Vec<(String, String)>;

/// Reads the whole body, refusing more than `limit` bytes with 413.
pub async fn read_bytes(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<LengthLimitError>() => Err(ApiError::PayloadTooLarge),
        // The client went away or sent a broken chunked body; nobody is left to read the answer.
        Err(_) => Err(ApiError::WrongFormat),
    }
}

/// Reads a JSON object: the `Content-Type` must be `application/json` or
/// `application/<something>+json` (as Flask's `is_json`); a body that does not parse, `null`, or
/// any JSON value other than an object is `Wrong format`.
pub async fn json_object(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<JsonObject, ApiError> {
    if !is_json(headers) {
        return Err(ApiError::WrongFormat);
    }
    let bytes = read_bytes(body, limit).await?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(ApiError::WrongFormat),
    }
}

/// Reads the fields of a `application/x-www-form-urlencoded` or `multipart/form-data` body.
/// Any other body, or a form that cannot be parsed, has no fields (Werkzeug's silent parsing);
/// file parts of a multipart body are files, not fields.
pub async fn form_fields(request: Request, limit: usize) -> Result<FormFields, ApiError> {
    let Some(kind) = form_kind(request.headers()) else {
        return Ok(Vec::new());
    };
    let (parts, body) = request.into_parts();
    let bytes = read_bytes(body, limit).await?;
    let request = Request::from_parts(parts, Body::from(bytes));
    // axum's extractors apply their own default limit (2 MB) unless a `DefaultBodyLimit` layer
    // says otherwise; the layer wraps this one parse rather than the whole route table, so the
    // requests that read no form do not carry it. The body is already within `limit`.
    let parse = tower::service_fn(move |request: Request| async move {
        Ok::<_, Infallible>(parse_fields(kind, request).await)
    });
    match DefaultBodyLimit::max(limit)
        .layer(parse)
        .oneshot(request)
        .await
    {
        Ok(fields) => Ok(fields),
        Err(never) => match never {},
    }
}

async fn parse_fields(kind: FormKind, request: Request) -> FormFields {
    match kind {
        FormKind::UrlEncoded => Form::<FormFields>::from_request(request, &())
            .await
            .map(|Form(fields)| fields)
            .unwrap_or_default(),
        FormKind::Multipart => multipart_fields(request).await.unwrap_or_default(),
    }
}

async fn multipart_fields(request: Request) -> Option<FormFields> {
    let mut multipart = Multipart::from_request(request, &()).await.ok()?;
    let mut fields = Vec::new();
    while let Some(field) = multipart.next_field().await.ok()? {
        if field.file_name().is_some() {
            continue;
        }
        let name = field.name().unwrap_or_default().to_string();
        let value = field.text().await.ok()?;
        fields.push((name, value));
    }
    Some(fields)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FormKind {
    UrlEncoded,
    Multipart,
}

/// The media type of the request without parameters, lowercased (`Application/JSON; charset=x`
/// gives `application/json`).
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next()?.trim().to_ascii_lowercase();
    Some(essence)
}

fn is_json(headers: &HeaderMap) -> bool {
    media_type(headers).is_some_and(|media| {
        media == "application/json"
            || (media.starts_with("application/") && media.ends_with("+json"))
    })
}

fn form_kind(headers: &HeaderMap) -> Option<FormKind> {
    match media_type(headers)?.as_str() {
        "application/x-www-form-urlencoded" => Some(FormKind::UrlEncoded),
        "multipart/form-data" => Some(FormKind::Multipart),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_type(content_type: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(content_type).expect("valid header"),
        );
        headers
    }

    #[test]
    fn json_media_types_are_recognised_like_flask() {
        for yes in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/vnd.api+json",
        ] {
            assert!(is_json(&with_type(yes)), "{yes}");
        }
        for no in ["text/json", "application/jsonp", "text/plain", ""] {
            assert!(!is_json(&with_type(no)), "{no}");
        }
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn form_media_types_are_recognised() {
        assert_eq!(
            form_kind(&with_type(
                "application/x-www-form-urlencoded; charset=utf-8"
            )),
            Some(FormKind::UrlEncoded)
        );
        assert_eq!(
            form_kind(&with_type("multipart/form-data; boundary=x")),
            Some(FormKind::Multipart)
        );
        assert_eq!(form_kind(&with_type("application/json")), None);
    }

    #[tokio::test]
    async fn a_body_past_the_limit_is_too_large() {
        let result = read_bytes(Body::from(vec![b'x'; 11]), 10).await;
        assert!(matches!(result, Err(ApiError::PayloadTooLarge)));
        let bytes = read_bytes(Body::from(vec![b'x'; 10]), 10)
            .await
            .expect("at the limit is fine");
        assert_eq!(bytes.len(), 10);
    }

    #[tokio::test]
    async fn only_a_json_object_is_accepted() {
        let headers = with_type("application/json");
        for bad in ["", "null", "[]", "\"text\"", "5", "{", "{\"a\":1}x"] {
            let result = json_object(&headers, Body::from(bad), 100).await;
            assert!(matches!(result, Err(ApiError::WrongFormat)), "{bad:?}");
        }
        let object = json_object(&headers, Body::from(r#"{"a":1,"a":2}"#), 100)
            .await
            .expect("an object");
        assert_eq!(object["a"], 2);
    }
}
