//! The served OpenAPI document as tests read it: which operation a request reaches, which
//! response it documents for a status, and whether a JSON value fits one of its schemas.
//!
//! The schema check is a small JSON Schema (2020-12) subset written here rather than the
//! `jsonschema` crate: the document uses few keywords, a dependency that large (its own regex
//! engine, optional HTTP resolving) would double the test build, and this checker refuses any
//! keyword it does not know, so the document cannot outgrow it unnoticed.
#![allow(dead_code)]

pub mod cases;

use std::collections::BTreeSet;

use axum::http::Method;
use serde_json::Value;

/// The methods an OpenAPI path item can hold, as its keys spell them.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Keywords that only annotate a schema: they never make a value invalid.
const ANNOTATIONS: [&str; 10] = [
    "description",
    "example",
    "examples",
    "title",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "format",
    "contentMediaType",
];

/// A parsed OpenAPI document.
pub struct Document {
    /// The whole document.
    pub root: Value,
}

/// The operation a request reaches.
pub struct Found<'a> {
    /// The documented path, parameters in braces.
    pub template: &'a str,
    /// The operation object.
    pub operation: &'a Value,
}

impl Document {
    /// Wraps a parsed document.
    pub fn new(root: Value) -> Self {
        Document { root }
    }

    /// Every documented `(METHOD, path template)`.
    pub fn operations(&self) -> BTreeSet<(String, String)> {
        let mut found = BTreeSet::new();
        for (template, item) in self.paths() {
            for method in METHODS {
                if item.get(method).is_some() {
                    found.insert((method.to_ascii_uppercase(), template.clone()));
                }
            }
        }
        found
    }

    fn paths(&self) -> &serde_json::Map<String, Value> {
        self.root["paths"].as_object().expect("a paths object")
    }

    /// The operation that serves `method` on the concrete `path` (one trailing slash and a
    /// query ignored), preferring static segments over parameters as the router does.
    pub fn operation(&self, method: &Method, path: &str) -> Option<Found<'_>> {
        let (template, item) = self.path_item(path)?;
        let operation = item.get(method.as_str().to_ascii_lowercase())?;
        Some(Found {
            template,
            operation,
        })
    }

    /// The documented path item that `path` falls under, if any.
    pub fn path_item(&self, path: &str) -> Option<(&str, &Value)> {
        let path = path.split('?').next().unwrap_or(path);
        let path = path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path);
        self.paths()
            .iter()
            .filter_map(|(template, item)| {
                parameters_matching(template, path).map(|count| (count, template, item))
            })
            .min_by_key(|(count, _, _)| *count)
            .map(|(_, template, item)| (template.as_str(), item))
    }

    /// The response an operation documents for `status`, references followed.
    pub fn response<'a>(&'a self, operation: &'a Value, status: u16) -> Option<&'a Value> {
        operation["responses"]
            .get(status.to_string())
            .map(|response| self.resolve(response))
    }

    /// A response of `components.responses`.
    pub fn component_response(&self, name: &str) -> &Value {
        let response = &self.root["components"]["responses"][name];
        assert!(response.is_object(), "no component response {name}");
        response
    }

    /// Follows `$ref`s (local, `#/...`) until a value that is not a reference.
    pub fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..16 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return value;
            };
            value = self
                .pointer(reference)
                .unwrap_or_else(|| panic!("dangling reference {reference}"));
        }
        panic!("a reference chain that does not end");
    }

    fn pointer(&self, reference: &str) -> Option<&Value> {
        let pointer = reference.strip_prefix('#')?;
        let decoded = pointer.replace("~1", "/").replace("~0", "~");
        // Names in this document contain neither `/` nor `~`, so decoding the whole pointer at
        // once is the same as decoding each token.
        self.root
            .pointer(&decoded)
            .or_else(|| self.root.pointer(pointer))
    }

    /// Every `$ref` in the document that names nothing.
    pub fn dangling_references(&self) -> Vec<String> {
        let mut dangling = Vec::new();
        self.collect_dangling(&self.root, &mut dangling);
        dangling
    }

    fn collect_dangling(&self, value: &Value, dangling: &mut Vec<String>) {
        match value {
            Value::Object(object) => {
                if let Some(Value::String(reference)) = object.get("$ref") {
                    if self.pointer(reference).is_none() {
                        dangling.push(reference.clone());
                    }
                }
                for child in object.values() {
                    self.collect_dangling(child, dangling);
                }
            }
            Value::Array(items) => {
                for child in items {
                    self.collect_dangling(child, dangling);
                }
            }
            _ => {}
        }
    }

    /// Checks a received body against what `response` documents for `content_type`.
    pub fn check_body(
        &self,
        response: &Value,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), String> {
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            return if body.is_empty() {
                Ok(())
            } else {
                Err("a body where none is documented".into())
            };
        };
        let content_type = content_type.ok_or("no Content-Type")?;
        let media = content
            .get(content_type)
            .ok_or_else(|| format!("Content-Type {content_type} is not documented"))?;
        let value: Value =
            serde_json::from_slice(body).map_err(|err| format!("the body is not JSON: {err}"))?;
        self.check(&media["schema"], &value)
    }

    /// Checks `value` against `schema`, naming the first mismatch.
    pub fn check(&self, schema: &Value, value: &Value) -> Result<(), String> {
        self.check_at(schema, value, "$")
    }

    fn check_at(&self, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
        let schema = schema
            .as_object()
            .ok_or_else(|| format!("{at}: the schema is not an object"))?;
        for (keyword, rule) in schema {
            match keyword.as_str() {
                "$ref" => {
                    let reference = rule.as_str().ok_or("a $ref that is not text")?;
                    let target = self
                        .pointer(reference)
                        .ok_or_else(|| format!("{at}: dangling reference {reference}"))?;
                    self.check_at(target, value, at)?
                }
                "type" => check_type(rule, value, at)?,
                "enum" => {
                    let allowed = rule.as_array().ok_or("enum is not a list")?;
                    if !allowed.contains(value) {
                        return Err(format!("{at}: {value} is not one of {rule}"));
                    }
                }
                "const" if rule != value => {
                    return Err(format!("{at}: {value} is not {rule}"));
                }
                "const" => {}
                "properties" => {
                    let (Some(properties), Some(object)) = (rule.as_object(), value.as_object())
                    else {
                        continue;
                    };
                    for (name, property) in properties {
                        if let Some(field) = object.get(name) {
                            self.check_at(property, field, &format!("{at}.{name}"))?;
                        }
                    }
                }
                "required" => {
                    let Some(object) = value.as_object() else {
                        continue;
                    };
                    for name in rule.as_array().ok_or("required is not a list")? {
                        let name = name.as_str().ok_or("a required name is not text")?;
                        if !object.contains_key(name) {
                            return Err(format!("{at}: the required key {name} is missing"));
                        }
                    }
                }
                "additionalProperties" => self.check_additional(schema, rule, value, at)?,
                "items" => {
                    for (index, item) in value.as_array().into_iter().flatten().enumerate() {
                        self.check_at(rule, item, &format!("{at}[{index}]"))?;
                    }
                }
                "pattern" => {
                    if let Some(text) = value.as_str() {
                        let pattern = rule.as_str().ok_or("pattern is not text")?;
                        let regex = regex::Regex::new(pattern).map_err(|err| err.to_string())?;
                        if !regex.is_match(text) {
                            return Err(format!("{at}: {text:?} does not match {pattern}"));
                        }
                    }
                }
                "minLength" => {
                    let minimum = rule.as_u64().ok_or("minLength is not a count")?;
                    if value
                        .as_str()
                        .is_some_and(|text| (text.chars().count() as u64) < minimum)
                    {
                        return Err(format!("{at}: {value} is shorter than {minimum}"));
                    }
                }
                "minimum" => {
                    let minimum = rule.as_f64().ok_or("minimum is not a number")?;
                    if value.as_f64().is_some_and(|number| number < minimum) {
                        return Err(format!("{at}: {value} is below {minimum}"));
                    }
                }
                "allOf" | "anyOf" | "oneOf" => self.check_combination(keyword, rule, value, at)?,
                other if ANNOTATIONS.contains(&other) => {}
                other => return Err(format!("{at}: the checker does not know `{other}`")),
            }
        }
        Ok(())
    }

    fn check_additional(
        &self,
        schema: &serde_json::Map<String, Value>,
        rule: &Value,
        value: &Value,
        at: &str,
    ) -> Result<(), String> {
        let Some(object) = value.as_object() else {
            return Ok(());
        };
        let declared = schema.get("properties").and_then(Value::as_object);
        for (name, field) in object {
            if declared.is_some_and(|declared| declared.contains_key(name)) {
                continue;
            }
            match rule {
                Value::Bool(true) => {}
                Value::Bool(false) => {
                    return Err(format!("{at}: the key {name} is not documented"));
                }
                schema => self.check_at(schema, field, &format!("{at}.{name}"))?,
            }
        }
        Ok(())
    }

    fn check_combination(
        &self,
        keyword: &str,
        rule: &Value,
        value: &Value,
        at: &str,
    ) -> Result<(), String> {
        let schemas = rule.as_array().ok_or("a combination is not a list")?;
        let passed = schemas
            .iter()
            .filter(|schema| self.check_at(schema, value, at).is_ok())
            .count();
        let fits = match keyword {
            "allOf" => passed == schemas.len(),
            "anyOf" => passed >= 1,
            _ => passed == 1,
        };
        if fits {
            Ok(())
        } else {
            Err(format!("{at}: {value} does not fit {keyword} {rule}"))
        }
    }
}

/// How many parameters `template` needs to match `path`, or `None` when it does not.
fn parameters_matching(template: &str, path: &str) -> Option<usize> {
    let template: Vec<&str> = template.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    if template.len() != path.len() {
        return None;
    }
    let mut parameters = 0;
    for (expected, actual) in template.iter().zip(&path) {
        if expected.starts_with('{') && expected.ends_with('}') {
            if actual.is_empty() {
                return None;
            }
            parameters += 1;
        } else if expected != actual {
            return None;
        }
    }
    Some(parameters)
}

fn check_type(rule: &Value, value: &Value, at: &str) -> Result<(), String> {
    let names: Vec<&str> = match rule {
        Value::String(name) => vec![name.as_str()],
        Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
        _ => return Err(format!("{at}: a type that is neither text nor a list")),
    };
    let fits = names.iter().any(|name| match *name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => false,
    });
    if fits {
        Ok(())
    } else {
        Err(format!("{at}: {value} is not of type {rule}"))
    }
}

#[test]
fn the_checker_refuses_what_the_schema_forbids() {
    let document = Document::new(serde_json::json!({
        "components": {"schemas": {"Thing": {
            "type": "object",
            "properties": {
                "name": {"type": ["string", "null"], "pattern": "^[a-z]+$"},
                "count": {"type": "integer", "minimum": 0},
                "kind": {"type": "string", "enum": ["a", "b"]}
            },
            "required": ["name"],
            "additionalProperties": false
        }}}
    }));
    let thing = serde_json::json!({"$ref": "#/components/schemas/Thing"});
    let check = |value: Value| document.check(&thing, &value);
    assert!(check(serde_json::json!({"name": "ab", "count": 1, "kind": "a"})).is_ok());
    assert!(check(serde_json::json!({"name": null})).is_ok());
    assert!(check(serde_json::json!({})).is_err(), "required");
    assert!(
        check(serde_json::json!({"name": "ab", "x": 1})).is_err(),
        "additional"
    );
    assert!(check(serde_json::json!({"name": "AB"})).is_err(), "pattern");
    assert!(check(serde_json::json!({"name": 5})).is_err(), "type");
    assert!(
        check(serde_json::json!({"name": "a", "count": -1})).is_err(),
        "minimum"
    );
    assert!(
        check(serde_json::json!({"name": "a", "kind": "c"})).is_err(),
        "enum"
    );
    assert!(document
        .check(&serde_json::json!({"unknownKeyword": 1}), &Value::Null)
        .is_err());
    assert!(document
        .check(
            &serde_json::json!({"type": "array", "items": thing}),
            &serde_json::json!([{"name": 1}])
        )
        .is_err());
}

#[test]
fn a_static_path_is_preferred_over_a_parameter() {
    let document = Document::new(serde_json::json!({"paths": {
        "/users/{id}": {"get": {"operationId": "one"}},
        "/users/me": {"get": {"operationId": "me"}}
    }}));
    let found = document
        .operation(&Method::GET, "/users/me/")
        .expect("found");
    assert_eq!(found.template, "/users/me");
    let found = document.operation(&Method::GET, "/users/x").expect("found");
    assert_eq!(found.template, "/users/{id}");
    assert!(document.operation(&Method::PUT, "/users/x").is_none());
    assert!(document.path_item("/users/x/y").is_none());
}
