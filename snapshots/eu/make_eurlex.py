def doc(date_dotted, acts, part1_defs, entries):
    rows_acts = "\n".join(
        f'<tr><td><p class="norm">►{m}</p></td><td><p class="norm">{name}</p></td><td><p class="norm">L {l}</p></td><td><p class="norm">1</p></td><td><p class="norm">{oj}</p></td></tr>'
        for m, name, l, oj in acts)
    defs = "\n".join(f'<p class="norm">{d}</p>' for d in part1_defs)
    body = []
    for e in entries:
        if isinstance(e, str):
            body.append(e)
            continue
        code, heading, items = e
        body.append(f'<table width="100%" border="0" cellspacing="0" cellpadding="0"><col width="10%"/><col width="90%"/><tbody><tr><td valign="top"><p class="norm">{code}</p></td><td valign="top"><p class="norm">{heading}</p></td></tr></tbody></table>')
        for mark, text in items:
            if mark is None:
                body.append(f'<p class="norm">{text}</p>')
            else:
                body.append(f'<table width="100%" border="0" cellspacing="0" cellpadding="0"><col width="4%"/><col width="96%"/><tbody><tr><td valign="top"><p class="norm">{mark}</p></td><td valign="top"><p class="norm">{text}</p></td></tr></tbody></table>')
    modifiers = " ".join("►" + a[0] for a in acts)
    return f'''<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" lang="EN" xml:lang="EN"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"/><title>L_2021206EN.01000101.xml</title><link rel="stylesheet" type="text/css" href="./../../../../css/consleg.css"/></head><body>
<p class="hd-date">{date_dotted}</p><p class="hd-lg">EN</p><p class="hd-ojref">Official Journal of the European Union</p>
<p class="hd-modifiers">{modifiers}</p>
<p class="disclaimer">This text is meant purely as a documentation tool and has no legal effect. The Union's institutions do not assume any liability for its contents.</p>
<p class="title-doc-first">REGULATION (EU) 2021/821 OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL</p>
<p class="title-doc-last">of 20 May 2021</p>
<p class="title-doc-last">setting up a Union regime for the control of exports, brokering, technical assistance, transit and transfer of dual-use items</p>
<p class="title-doc-oj-reference">(recast)</p>
<p class="reference">(OJ L 206 11.6.2021, p. 1)</p>
<p class="amended">Amended by:</p>
<table width="100%" border="0" cellspacing="0" cellpadding="0"><col width="5%"/><col width="70%"/><col width="8%"/><col width="5%"/><col width="12%"/><tbody><tr><td/><td/><td><p class="hd-oj">Official Journal</p></td><td/><td/></tr><tr><td/><td/><td><p class="hd-oj">No</p></td><td><p class="hd-oj">page</p></td><td><p class="hd-oj">date</p></td></tr>
{rows_acts}
</tbody></table>
<p class="arrow">▼B</p>
<p class="ti-art">Article 1</p><p class="norm">This Regulation sets up a Union regime for the control of exports, brokering, technical assistance, transit and transfer of dual-use items.</p>
<p class="arrow">▼{acts[-1][0]}</p>
<p class="title-annex-1">ANNEX I</p>
<p class="title-annex-2">LIST OF DUAL-USE ITEMS REFERRED TO IN ARTICLE 3 OF THIS REGULATION</p>
<p class="ti-grseq-1">PART I</p>
<p class="ti-grseq-1">General Notes, Acronyms and Abbreviations, and Definitions</p>
<p class="norm">GENERAL NOTES TO ANNEX I</p>
<p class="norm">1. For control of goods which are designed or modified for military use, see the relevant list(s) of controls on military goods maintained by individual Member States.</p>
<p class="ti-grseq-1">DEFINITIONS OF TERMS USED IN THIS ANNEX</p>
{defs}
<p class="ti-grseq-1">PART II — Category 1</p>
<p class="ti-grseq-1">CATEGORY 1 — SPECIAL MATERIALS AND RELATED EQUIPMENT</p>
{chr(10).join(body)}
<p class="arrow">▼B</p>
<p class="title-annex-1">ANNEX Ia</p>
<p class="norm">3A001 Not an entry: a code in another annex.</p>
<p class="title-annex-1">ANNEX II</p>
<p class="title-annex-2">UNION GENERAL EXPORT AUTHORISATIONS</p>
<table><tbody><tr><td><p class="norm">1C010</p></td><td><p class="norm">Not an entry either.</p></td></tr></tbody></table>
</body></html>
'''

acts_2023 = [("M1", "Commission Delegated Regulation (EU) 2022/1 of 20 October 2021", "3", "6.1.2022"),
             ("M2", "Commission Delegated Regulation (EU) 2023/66 of 21 October 2022", "9", "11.1.2023"),
             ("M3", "Commission Delegated Regulation (EU) 2023/2616 of 15 September 2023", "", "OJ L, 2023/2616, 23.11.2023")]
acts_2024 = acts_2023 + [("M4", "Commission Delegated Regulation (EU) 2024/2547 of 5 September 2024", "", "OJ L, 2024/2547, 7.11.2024")]

defs_2023 = ['"Accuracy" (2 3 6 7 8), usually measured in terms of inaccuracy, means the maximum deviation, positive or negative, of an indicated value from an accepted standard or true value.',
             '"Superalloys" (2 9) means nickel-, cobalt- or iron-base alloys having a strength superior to any alloys in the AISI 300 series at temperatures over 922 K (649 °C).']
defs_2024 = [defs_2023[0],
             '►M4 "Superalloys" (2 9) means nickel-, cobalt- or iron-base alloys having a stress-rupture life of at least 1 000 hours at 922 K (649 °C). ◄']

common_1 = [
    '<p class="ti-grseq-1">1A Systems, Equipment and Components</p>',
    ("1A001", "Components made from fluorinated compounds, as follows:", [
        ("a.", 'Seals, gaskets, sealants or fuel bladders, specially designed for "aircraft" or aerospace use, made from more than 50 % by weight of any of the materials specified by 1C009.b. or 1C009.c.;'),
        ("b.", "[Reserved]"),
        ("c.", "Piezoelectric polymers and copolymers, made from vinylidene fluoride (CAS 75-38-7) materials."),
    ]),
    '<p class="ti-grseq-1">1C Materials</p>',
    ("1C010", '"Fibrous or filamentary materials" as follows:', [
        (None, '<span class="italic">N.B.:</span> SEE ALSO 1C210 AND 9C110.'),
        ("a.", 'Organic "fibrous or filamentary materials", having all of the following:'),
        ("1.", '"Specific modulus" exceeding 12,7 × 10<span class="super">6</span> m; and'),
        (None, '<span class="italic">Note:</span> 1C010.a. does not control polyethylene.'),
        ("b.", 'Carbon "fibrous or filamentary materials", having all of the following:'),
    ]),
]
e_1c011_2023 = ("1C011", "Metals and compounds, as follows:", [
    ("a.", "Metals in particle sizes of less than 60 µm whether spherical, atomised, spheroidal, flaked or ground, manufactured from material consisting of 99 % or more of zirconium, magnesium and alloys thereof;"),
])
e_1c011_2024 = ("1C011", "Metals and compounds, as follows:", [
    ("a.", "Metals in particle sizes of less than 60 µm whether spherical, atomised, spheroidal, flaked or ground, manufactured from material consisting of 97 % or more of zirconium, magnesium and alloys thereof;"),
])
e_1c240 = ("1C240", "Nickel powder and porous nickel metal, other than those specified in 0C005, as follows:", [
    ("a.", "Nickel powder having both of the following characteristics:"),
])
cat3 = '<p class="ti-grseq-1">PART IV — Category 3</p><p class="ti-grseq-1">3A Systems, Equipment and Components</p>'
e_3a001 = ("3A001", "Electronic items as follows:", [
    ("a.", "General purpose integrated circuits, as follows:"),
    (None, '<span class="italic">Note 1:</span> Integrated circuits include the following types:'),
    ("b.", "Microwave or millimetre wave items, as follows:"),
])
e_1c907 = ("1C907", "Rare earth magnet alloys, as follows:", [
    ("a.", "Neodymium-iron-boron alloys containing more than 4 % by weight of dysprosium or terbium;"),
])
open('02021R0821-20231216.html', 'w').write(doc("16.12.2023", acts_2023, defs_2023,
    common_1 + [e_1c011_2023, e_1c240, cat3, e_3a001]))
open('02021R0821-20241108.html', 'w').write(doc("08.11.2024", acts_2024, defs_2024,
    common_1 + ['<p class="arrow">▼M4</p>', e_1c011_2024, e_1c907, cat3, e_3a001]))
open('consolidations.html', 'w').write('''<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><title>Regulation - 2021/821 - EN - EUR-Lex</title></head><body>
<div class="consLegLinks"><h2>All consolidated versions</h2><ul class="consLegList">
<li><a href="./../../../legal-content/EN/AUTO/?uri=CELEX:02021R0821-20241108">02021R0821-20241108</a> <span>08/11/2024</span></li>
<li><a href="./../../../legal-content/EN/AUTO/?uri=CELEX:02021R0821-20231216&amp;qid=1700000000">02021R0821-20231216</a> <span>16/12/2023</span></li>
<li><a href="./../../../legal-content/EN/AUTO/?uri=CELEX:02021R0821-20231216">02021R0821-20231216</a></li>
<li><a href="./../../../legal-content/EN/AUTO/?uri=CELEX:32021R0821">Original act</a></li>
<li><a href="./../../../legal-content/EN/AUTO/?uri=CELEX:02022R0001-20220106">Another act's consolidation</a></li>
</ul></div></body></html>
''')
