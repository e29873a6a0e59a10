//! A generator of synthetic back catalogues, for tests and benchmarks: issues
//! the size of issue 363 whose paragraphs are seeded shuffles of its
//! sentences, spread over a few series folders with a `bulletin.toml` each.

use std::path::{Path, PathBuf};

const REFERENCE: &str = include_str!("../data/issue-363.txt");

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The reference's body sentences (each ending in 。).
fn sentences() -> Vec<String> {
    let body: String = REFERENCE
        .lines()
        .filter(|l| l.chars().count() > 40)
        .collect::<Vec<_>>()
        .concat();
    body.split_inclusive('。')
        .map(str::trim)
        .filter(|s| s.ends_with('。') && s.chars().count() > 8)
        .map(String::from)
        .collect()
}

/// A 情况通报 column with one article of rich content (docs/blocks.md).
fn rich_article(pool: &[String], rng: &mut Rng) -> String {
    let mut para = || -> String {
        (0..3 + rng.below(3))
            .map(|_| pool[rng.below(pool.len())].as_str())
            .collect()
    };
    let (a, b) = (para(), para());
    let counties = ["丰县", "沛县", "铜山区", "睢宁县", "新沂市", "邳州市"];
    let rows: Vec<String> = counties
        .iter()
        .enumerate()
        .map(|(k, c)| format!("[{}, {}, \"{}.{}%\"]", q(c), 3 + (k * 7) % 11, k * 3, k))
        .collect();
    format!(
        "[[columns]]\nname = \"情况通报\"\n\n[[columns.articles]]\ntitle = \"全市安全生产情况通报\"\n\
         byline = \"市安委办\"\n\n[[columns.articles.body]]\ntext = {}\n\n\
         [[columns.articles.body]]\ncaption = \"表1 各县（区）事故情况\"\n\
         header = [[{{ text = \"县（区）\", rowspan = 2 }}, {{ text = \"事故\", colspan = 2 }}], \
         [\"起数\", \"同比\"]]\nrows = [{}]\n\n\
         [[columns.articles.body]]\ncaption = \"表2 各乡镇（街道）隐患排查整改情况\"\n\
         csv = \"files/towns.csv\"\n\n[[columns.articles.body]]\nimages = [\
         {{ image = \"files/site-1.jpg\", caption = \"图1 现场检查\" }}, \
         {{ image = \"files/site-2.jpg\", caption = \"图2 现场督办\" }}]\n\n\
         [[columns.articles.body]]\nitems = [\"压实责任\", {{ text = \"专项整治\", items = \
         [\"建筑施工\", \"道路运输\"] }}]\nnumbered = true\n\n[[columns.articles.body]]\n\
         text = {}\n\n[columns.articles.footnotes]\n1 = \"据各县（区）上报数据统计。\"\n\n",
        q(&format!("{a}[^1]")),
        rows.join(", "),
        q(&b),
    )
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

const SERIES: &[(&str, &str, &str)] = &[
    ("gongzuo", "工作简报", "协调小组办公室"),
    ("xinxi", "信息简报", "市委办公室"),
    ("dongtai", "学习动态", "理论学习中心组办公室"),
];

const COLUMNS: &[&str] = &["上情下达", "经验交流", "学习动态", "基层风采"];

/// Writes `n` issues under `dir` (in `SERIES` folders, each with its
/// `bulletin.toml`) and returns the issue files. The same seed gives the same
/// catalogue; no paragraph repeats across issues in practice (each is a
/// random run of 3–7 shuffled sentences of about 150 in the reference).
pub fn generate(dir: &Path, n: usize, seed: u64) -> std::io::Result<Vec<PathBuf>> {
    let pool = sentences();
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    for (folder, name, office) in SERIES {
        let d = dir.join(folder);
        std::fs::create_dir_all(&d)?;
        let series = format!(
            "# Shared by every issue of this series.\n[bulletin]\nname = {}\noffice = {}\n\n\
             [footer]\nbao = \"中央协调办、中宣部理论局\"\nsong = \"省级机关各部委办厅局\"\n\
             fa = \"各市委宣传部、组织部\"\nprinter = {}\n",
            q(name),
            q(office),
            q(office)
        );
        std::fs::write(d.join(bulletin_model::source::SERIES_FILE), series)?;
        // What the 情况通报 issues read: the example's photo and CSV table.
        let files = d.join("files");
        std::fs::create_dir_all(&files)?;
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/qingkuang-files");
        for f in ["site-1.jpg", "site-2.jpg", "towns.csv"] {
            std::fs::copy(example.join(f), files.join(f))?;
        }
    }
    let mut files = Vec::new();
    for i in 0..n {
        let (folder, _, _) = SERIES[i % SERIES.len()];
        let number = i / SERIES.len() + 1;
        let year = 2000 + (number / 24) % 30;
        let month = (number % 12) + 1;
        let day = (number % 27) + 1;
        let mut t = format!("[issue]\nnumber = {number}\ndate = {year:04}-{month:02}-{day:02}\n\n");
        // About 4,500 characters in 5 articles, like issue 363.
        for (c, col) in COLUMNS.iter().enumerate().take(3) {
            t.push_str(&format!("[[columns]]\nname = {}\n\n", q(col)));
            let articles = if c == 1 { 1 } else { 2 };
            for _ in 0..articles {
                let title_src = &pool[rng.below(pool.len())];
                let title: String = title_src.trim_end_matches('。').chars().take(24).collect();
                let mut paras = Vec::new();
                for _ in 0..3 {
                    let k = 3 + rng.below(5);
                    let p: String = (0..k)
                        .map(|_| pool[rng.below(pool.len())].as_str())
                        .collect();
                    paras.push(p);
                }
                t.push_str(&format!(
                    "[[columns.articles]]\ntitle = {}\nbody = {}\nbyline = {}\n\n",
                    q(&title),
                    q(&paras.join("\n\n")),
                    q("编辑部")
                ));
            }
        }
        // One issue in five is a 情况通报 like examples/qingkuang.toml: a
        // table, a table from a CSV file running over two pages, two photos,
        // a list and footnotes.
        if i % 5 == 4 {
            t.push_str(&rich_article(&pool, &mut rng));
        }
        let path = dir.join(folder).join(format!("issue-{number:04}.toml"));
        std::fs::write(&path, t)?;
        files.push(path);
    }
    Ok(files)
}
