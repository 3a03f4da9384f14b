//! The official table layouts of 国办公开办函〔2021〕30号 as grids of merged cells.

use gongkai_domain::codes::{AppealKind, AppealResult, Outcome, OutcomeGroup};
use gongkai_domain::numfmt::fen_to_wan_yuan;
use gongkai_domain::report::{T3_COLS, T3Row, Table2, Table3, Table4};

/// A cell at the top-left of its merged area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub colspan: usize,
    pub rowspan: usize,
    pub header: bool,
    pub number: bool,
}

impl Cell {
    fn h(text: &str, colspan: usize, rowspan: usize) -> Cell {
        Cell {
            text: text.to_string(),
            colspan,
            rowspan,
            header: true,
            number: false,
        }
    }
    fn label(text: &str, colspan: usize, rowspan: usize) -> Cell {
        Cell {
            text: text.to_string(),
            colspan,
            rowspan,
            header: false,
            number: false,
        }
    }
    fn num(v: impl ToString, colspan: usize) -> Cell {
        Cell {
            text: v.to_string(),
            colspan,
            rowspan: 1,
            header: false,
            number: true,
        }
    }
}

/// A table: `rows` hold only the cells that start in that row (HTML-style).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub name: String,
    pub cols: usize,
    pub rows: Vec<Vec<Cell>>,
    /// Number of leading rows that are column headers.
    pub header_rows: usize,
}

impl Grid {
    /// Every cell with its absolute (row, column).
    pub fn placed(&self) -> Vec<(usize, usize, &Cell)> {
        let mut taken = vec![vec![false; self.cols]; self.rows.len()];
        let mut out = Vec::new();
        for (r, row) in self.rows.iter().enumerate() {
            let mut c = 0;
            for cell in row {
                while c < self.cols && taken[r][c] {
                    c += 1;
                }
                for row in taken.iter_mut().skip(r).take(cell.rowspan) {
                    for slot in row.iter_mut().skip(c).take(cell.colspan) {
                        *slot = true;
                    }
                }
                out.push((r, c, cell));
                c += cell.colspan;
            }
        }
        out
    }
}

/// Table 二 (regulations.md §1.4).
pub fn table2(t: &Table2) -> Grid {
    let block = |title: &str| vec![Cell::h(title, 4, 1)];
    let rows = vec![
        block("第二十条第（一）项"),
        vec![
            Cell::h("信息内容", 1, 1),
            Cell::h("本年制发件数", 1, 1),
            Cell::h("本年废止件数", 1, 1),
            Cell::h("现行有效件数", 1, 1),
        ],
        vec![
            Cell::label("规章", 1, 1),
            Cell::num(t.rules.issued, 1),
            Cell::num(t.rules.repealed, 1),
            Cell::num(t.rules.in_force, 1),
        ],
        vec![
            Cell::label("行政规范性文件", 1, 1),
            Cell::num(t.normative_documents.issued, 1),
            Cell::num(t.normative_documents.repealed, 1),
            Cell::num(t.normative_documents.in_force, 1),
        ],
        block("第二十条第（五）项"),
        vec![Cell::h("信息内容", 1, 1), Cell::h("本年处理决定数量", 3, 1)],
        vec![
            Cell::label("行政许可", 1, 1),
            Cell::num(t.licensing_decisions, 3),
        ],
        block("第二十条第（六）项"),
        vec![Cell::h("信息内容", 1, 1), Cell::h("本年处理决定数量", 3, 1)],
        vec![
            Cell::label("行政处罚", 1, 1),
            Cell::num(t.penalty_decisions, 3),
        ],
        vec![
            Cell::label("行政强制", 1, 1),
            Cell::num(t.enforcement_decisions, 3),
        ],
        block("第二十条第（八）项"),
        vec![
            Cell::h("信息内容", 1, 1),
            Cell::h("本年收费金额（单位：万元）", 3, 1),
        ],
        vec![
            Cell::label("行政事业性收费", 1, 1),
            Cell::num(fen_to_wan_yuan(t.fees_fen), 3),
        ],
    ];
    Grid {
        name: "表二".into(),
        cols: 4,
        rows,
        header_rows: 0,
    }
}

/// The note in table 三's top-left header cell.
pub const T3_NOTE: &str = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）";

/// Table 三 (regulations.md §1.5): 3 label columns and 7 value columns.
pub fn table3(t: &Table3) -> Grid {
    let mut rows = vec![
        vec![Cell::h(T3_NOTE, 3, 3), Cell::h("申请人情况", 7, 1)],
        vec![
            Cell::h("自然人", 1, 2),
            Cell::h("法人或其他组织", 5, 1),
            Cell::h("总计", 1, 2),
        ],
        vec![
            Cell::h("商业企业", 1, 1),
            Cell::h("科研机构", 1, 1),
            Cell::h("社会公益组织", 1, 1),
            Cell::h("法律服务机构", 1, 1),
            Cell::h("其他", 1, 1),
        ],
    ];
    let values = |row: T3Row| (0..T3_COLS).map(move |c| Cell::num(t.get(row, c), 1));
    let mut line = |mut head: Vec<Cell>, row: T3Row| {
        head.extend(values(row));
        rows.push(head);
    };
    line(
        vec![Cell::label(T3Row::NewReceived.label(), 3, 1)],
        T3Row::NewReceived,
    );
    line(
        vec![Cell::label(T3Row::CarriedOver.label(), 3, 1)],
        T3Row::CarriedOver,
    );
    // 三、本年度办理结果 spans the 21 outcome rows and （七）总计.
    let mut first = true;
    let mut prev_group: Option<OutcomeGroup> = None;
    for o in Outcome::ALL {
        let mut head = Vec::new();
        if first {
            head.push(Cell::label("三、本年度办理结果", 1, Outcome::ALL.len() + 1));
            first = false;
        }
        let g = o.group();
        match g.label() {
            None => head.push(Cell::label(o.label(), 2, 1)),
            Some(gl) => {
                if prev_group != Some(g) {
                    let n = Outcome::ALL.iter().filter(|x| x.group() == g).count();
                    head.push(Cell::label(gl, 1, n));
                }
                head.push(Cell::label(o.label(), 1, 1));
            }
        }
        prev_group = Some(g);
        line(head, T3Row::Outcome(*o));
    }
    line(
        vec![Cell::label(T3Row::TotalProcessed.label(), 2, 1)],
        T3Row::TotalProcessed,
    );
    line(
        vec![Cell::label(T3Row::CarriedForward.label(), 3, 1)],
        T3Row::CarriedForward,
    );
    Grid {
        name: "表三".into(),
        cols: 10,
        rows,
        header_rows: 3,
    }
}

/// Table 四 (regulations.md §1.7): one data row of 15 values.
pub fn table4(t: &Table4) -> Grid {
    let results = || AppealResult::ALL.iter().map(|r| r.label()).chain(["总计"]);
    let mut row1: Vec<Cell> = results().map(|l| Cell::h(l, 1, 2)).collect();
    row1.push(Cell::h(AppealKind::LitigationDirect.label(), 5, 1));
    row1.push(Cell::h(
        AppealKind::LitigationAfterReconsideration.label(),
        5,
        1,
    ));
    let row2: Vec<Cell> = results()
        .chain(results())
        .map(|l| Cell::h(l, 1, 1))
        .collect();
    let data: Vec<Cell> = AppealKind::ALL
        .iter()
        .flat_map(|k| t.cells[k.index()].iter().map(|v| Cell::num(v, 1)))
        .collect();
    let rows = vec![
        vec![Cell::h("行政复议", 5, 1), Cell::h("行政诉讼", 10, 1)],
        row1,
        row2,
        data,
    ];
    Grid {
        name: "表四".into(),
        cols: 15,
        rows,
        header_rows: 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(g: &Grid) -> usize {
        g.rows.iter().flatten().map(|c| c.colspan * c.rowspan).sum()
    }

    #[test]
    fn grids_tile_their_rectangles() {
        for g in [
            table2(&Table2::default()),
            table3(&Table3::default()),
            table4(&Table4::default()),
        ] {
            assert_eq!(area(&g), g.cols * g.rows.len(), "{}", g.name);
            for (r, c, cell) in g.placed() {
                assert!(
                    r + cell.rowspan <= g.rows.len() && c + cell.colspan <= g.cols,
                    "{} {r},{c}",
                    g.name
                );
            }
        }
        let t3 = table3(&Table3::default());
        assert_eq!(t3.rows.len(), 3 + 25);
        assert_eq!(t3.placed().iter().filter(|(_, _, c)| c.number).count(), 175);
        let t4 = table4(&Table4::default());
        assert_eq!(t4.placed().iter().filter(|(_, _, c)| c.number).count(), 15);
        assert_eq!(
            table2(&Table2::default())
                .placed()
                .iter()
                .filter(|(_, _, c)| c.number)
                .count(),
            10
        );
    }
}
