//! A small reader for the packages we write: unzip a part, parse it into a tree.

use std::io::Read;

use anyhow::{Context, Result, anyhow};
use quick_xml::Reader;
use quick_xml::events::Event;

pub fn part(package: &[u8], name: &str) -> Result<String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(package))?;
    let mut f = zip
        .by_name(name)
        .with_context(|| format!("no part {name}"))?;
    let mut s = String::new();
    f.read_to_string(&mut s)?;
    Ok(s)
}

pub fn part_names(package: &[u8]) -> Result<Vec<String>> {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(package))?;
    Ok(zip.file_names().map(str::to_string).collect())
}

#[derive(Debug, Default, Clone)]
pub struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
    /// Text directly inside this element.
    pub text: String,
}

impl Node {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Every descendant (self included) named `name`, in document order.
    pub fn all<'a>(&'a self, name: &str) -> Vec<&'a Node> {
        let mut out = Vec::new();
        fn walk<'a>(n: &'a Node, name: &str, out: &mut Vec<&'a Node>) {
            if n.name == name {
                out.push(n);
            }
            for c in &n.children {
                walk(c, name, out);
            }
        }
        walk(self, name, &mut out);
        out
    }

    /// The text of every `w:t` below, paragraphs separated by newlines.
    pub fn text_of(&self) -> String {
        let mut s = String::new();
        fn walk(n: &Node, s: &mut String) {
            match n.name.as_str() {
                "w:t" => s.push_str(&n.text),
                "w:br" => s.push('\n'),
                _ => {}
            }
            for c in &n.children {
                walk(c, s);
            }
            if n.name == "w:p" {
                s.push('\n');
            }
        }
        walk(self, &mut s);
        s.trim_end_matches('\n').to_string()
    }
}

pub fn parse(xml: &str) -> Result<Node> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Node> = vec![Node::default()];
    let dec = reader.decoder();
    let open = |e: &quick_xml::events::BytesStart<'_>| -> Result<Node> {
        let mut n = Node {
            name: String::from_utf8(e.name().as_ref().to_vec())?,
            ..Node::default()
        };
        for a in e.attributes() {
            let a = a?;
            n.attrs.push((
                String::from_utf8(a.key.as_ref().to_vec())?,
                a.decode_and_unescape_value(dec)?.into_owned(),
            ));
        }
        Ok(n)
    };
    loop {
        match reader.read_event()? {
            Event::Start(e) => stack.push(open(&e)?),
            Event::Empty(e) => {
                let n = open(&e)?;
                stack
                    .last_mut()
                    .ok_or_else(|| anyhow!("unbalanced"))?
                    .children
                    .push(n);
            }
            Event::End(_) => {
                let n = stack.pop().ok_or_else(|| anyhow!("unbalanced"))?;
                stack
                    .last_mut()
                    .ok_or_else(|| anyhow!("unbalanced"))?
                    .children
                    .push(n);
            }
            Event::Text(t) => {
                let s = t.decode()?;
                stack
                    .last_mut()
                    .ok_or_else(|| anyhow!("unbalanced"))?
                    .text
                    .push_str(&s);
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref()? {
                    Some(c) => c.to_string(),
                    None => match r.decode()?.as_ref() {
                        "amp" => "&".into(),
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => return Err(anyhow!("unknown entity {other}")),
                    },
                };
                stack
                    .last_mut()
                    .ok_or_else(|| anyhow!("unbalanced"))?
                    .text
                    .push_str(&c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut root = stack.pop().ok_or_else(|| anyhow!("unbalanced"))?;
    if !stack.is_empty() {
        return Err(anyhow!("unclosed elements"));
    }
    root.children.pop().ok_or_else(|| anyhow!("empty document"))
}

/// The document body's tables, each as rows of cell texts, header row included.
pub fn tables(document: &Node) -> Vec<Vec<Vec<String>>> {
    document
        .all("w:tbl")
        .into_iter()
        .map(|t| {
            t.children_named("w:tr")
                .map(|r| r.children_named("w:tc").map(Node::text_of).collect())
                .collect()
        })
        .collect()
}

/// Paragraphs of the body outside tables, as text.
pub fn body_paragraphs(document: &Node) -> Vec<String> {
    document
        .child("w:body")
        .map(|b| b.children_named("w:p").map(Node::text_of).collect())
        .unwrap_or_default()
}
