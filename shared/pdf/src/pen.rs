//! The pen that draws on a page: text in runs of one font each (with the fallback font for what DejaVu Sans
//! lacks), text fitted or wrapped to a width, right-aligned text, grey rectangles and QR codes.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, FillRule};
use krilla::surface::Surface;

use crate::fonts::Face;
use crate::layout::{BODY, MARGIN, PAGE_W, ROW};

/// Where a table column's text stands: from its left edge, or ending at its right edge.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Edge {
    Left(f32),
    Right(f32),
}

pub(crate) struct Pen<'a, 'b> {
    pub(crate) surface: Surface<'a>,
    pub(crate) regular: &'b Face,
    pub(crate) bold: &'b Face,
    pub(crate) fallback: Option<&'b Face>,
}

impl<'b> Pen<'_, 'b> {
    /// `text` in runs of one font each: the regular or bold face, or the fallback for what they lack.
    fn runs<'t>(&self, bold: bool, text: &'t str) -> Vec<(&'b Face, &'t str)> {
        let primary = if bold { self.bold } else { self.regular };
        let pick = |c: char| match self.fallback {
            Some(fallback) if !primary.covers(c) && fallback.covers(c) => fallback,
            _ => primary,
        };
        let mut runs: Vec<(&'b Face, &'t str)> = Vec::new();
        let mut start = 0;
        let mut current: Option<&'b Face> = None;
        for (at, c) in text.char_indices() {
            let face = pick(c);
            if let Some(previous) = current.filter(|p| !std::ptr::eq(*p, face)) {
                runs.push((previous, &text[start..at]));
                start = at;
            }
            current = Some(face);
        }
        if let Some(face) = current {
            runs.push((face, &text[start..]));
        }
        runs
    }

    pub(crate) fn width(&self, bold: bool, text: &str, size: f32) -> f32 {
        self.runs(bold, text).iter().map(|(face, run)| face.width(run, size)).sum()
    }

    /// `text` cut to fit `width`, with an ellipsis when cut.
    pub(crate) fn fit(&self, bold: bool, text: &str, size: f32, width: f32) -> String {
        if self.width(bold, text, size) <= width {
            return text.to_owned();
        }
        let mut cut: String = text.to_owned();
        while !cut.is_empty() && self.width(bold, &format!("{cut}…"), size) > width {
            cut.pop();
        }
        format!("{}…", cut.trim_end())
    }

    /// `text` in lines no wider than `width`, broken at spaces (a word wider than a line is cut), at most
    /// `max_lines` (the last cut with an ellipsis when more would be needed).
    pub(crate) fn wrap(&self, bold: bool, text: &str, size: f32, width: f32, max_lines: usize) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut current = String::new();
        for word in text.split_whitespace() {
            let candidate = if current.is_empty() { word.to_owned() } else { format!("{current} {word}") };
            if self.width(bold, &candidate, size) <= width || current.is_empty() {
                current = candidate;
            } else {
                lines.push(std::mem::replace(&mut current, word.to_owned()));
            }
        }
        if !current.is_empty() {
            lines.push(current);
        }
        if lines.len() > max_lines {
            let rest = lines.split_off(max_lines - 1).join(" ");
            lines.push(rest);
        }
        lines.into_iter().map(|line| self.fit(bold, &line, size, width)).collect()
    }

    pub(crate) fn text(&mut self, bold: bool, x: f32, y: f32, size: f32, text: &str) {
        let mut x = x;
        for (face, run) in self.runs(bold, text) {
            let glyphs = face.glyphs(run);
            self.surface.draw_glyphs(Point::from_xy(x, y), &glyphs, face.font.clone(), run, size, false);
            x += face.width(run, size);
        }
    }

    pub(crate) fn text_right(&mut self, bold: bool, right: f32, y: f32, size: f32, text: &str) {
        let width = self.width(bold, text, size);
        self.text(bold, right - width, y, size, text);
    }

    /// A line table's header row at `top`: a grey bar across the page and each column's title in bold, at its
    /// left edge (`Left(x)`) or ending at its right edge (`Right(x)`).
    pub(crate) fn table_header(&mut self, top: f32, columns: &[(Edge, &str)]) {
        self.rect(MARGIN, top, PAGE_W - 2.0 * MARGIN, ROW, 225);
        let y = top + 10.5;
        for (edge, title) in columns {
            match *edge {
                Edge::Left(x) => self.text(true, x, y, BODY, title),
                Edge::Right(x) => self.text_right(true, x, y, BODY, title),
            }
        }
    }

    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, grey: u8) {
        let mut path = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(x, y, w, h) {
            path.push_rect(rect);
        }
        if let Some(path) = path.finish() {
            self.surface.set_fill(Some(fill(grey)));
            self.surface.draw_path(&path);
            self.surface.set_fill(None);
        }
    }

    /// A QR code of `payload` as vector squares, `size` points wide, at (x, y).
    pub(crate) fn qr(&mut self, payload: &str, x: f32, y: f32, size: f32) {
        let Ok(code) = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M) else { return };
        let modules = code.width();
        let colors = code.to_colors();
        let module = size / modules as f32;
        let mut path = PathBuilder::new();
        for row in 0..modules {
            let mut col = 0;
            while col < modules {
                if colors[row * modules + col] == qrcode::Color::Dark {
                    let start = col;
                    while col < modules && colors[row * modules + col] == qrcode::Color::Dark {
                        col += 1;
                    }
                    let rect = Rect::from_xywh(
                        x + start as f32 * module,
                        y + row as f32 * module,
                        (col - start) as f32 * module,
                        module,
                    );
                    if let Some(rect) = rect {
                        path.push_rect(rect);
                    }
                } else {
                    col += 1;
                }
            }
        }
        if let Some(path) = path.finish() {
            self.surface.set_fill(Some(fill(0)));
            self.surface.draw_path(&path);
            self.surface.set_fill(None);
        }
    }
}

fn fill(grey: u8) -> Fill {
    Fill { paint: rgb::Color::new(grey, grey, grey).into(), opacity: NormalizedF32::ONE, rule: FillRule::NonZero }
}
