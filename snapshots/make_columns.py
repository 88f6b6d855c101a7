#!/usr/bin/env python3
"""Writes the column pages of snapshots/ in the shape the live MOFCOM sites serve them
(../shared/facts/mofcom-site.md §1.2-1.4, §3): each column page a JavaScript shell whose
<script url=… queryData=…> names the CMS "unit" API call, and the API's JSON answers, page by page
(15 rows, `div.pagination` with rows/count/pageNo), `"traceId":""` filled in per request by the
replay server. Lists mix announcements with the notices and news that real columns carry.

Run from the repository root after changing the lists below; the output is committed.
"""

import json
import os
import re
import shutil

ROOT = "snapshots/mofcom"
UNIT = "api-gateway/jpaas-publish-server/front/page/build/unit"
WWW = ("www.mofcom.gov.cn", "8f43c7ad3afc411fb56f281724b73708", "52551ea0e2c14bca8c84792f7aa37ead", "分页列表")
AQY = ("aqygzj.mofcom.gov.cn", "b28941ad4e064442856787562c9a4961", "DDBav9QvwJVbs9iznQVmO", "信息列表")

# The announcements of the replay, by capture date: (path of the article under www, title, date).
ZCFB = "/zwgk/zcfb/art"
ANN = {
    "23": (f"{ZCFB}/2023/art_5d0c7a1e3b2f4c6a9e8d7b6a5c4f3e21.html", "商务部 海关总署公告2023年第23号 关于对镓、锗相关物项实施出口管制的公告", "2023-07-03"),
    "18": (f"{ZCFB}/2025/art_0b6f1c2d3e4a5b6c7d8e9f0a1b2c3d18.html", "商务部 海关总署公告2025年第18号 关于对部分中重稀土相关物项实施出口管制的决定", "2025-04-04"),
    "55": (f"{ZCFB}/2025/art_9a41c0d7e25b4f3a8c6d1e0f2b3a4c55.html", "商务部 海关总署公告2025年第55号 关于对超硬材料相关物项实施出口管制的决定", "2025-10-09"),
    "58": (f"{ZCFB}/2025/art_c37e5f1a2b8d4e6f9a0b1c2d3e4f5a58.html", "商务部 海关总署公告2025年第58号 关于对部分锂电池和人造石墨负极材料相关物项实施出口管制的决定", "2025-10-09"),
    "61": (f"{ZCFB}/2025/art_4e8a2c6b1d3f5a7c9e0b2d4f6a8c0e61.html", "商务部公告2025年第61号 关于对境外相关稀土物项实施出口管制的决定", "2025-10-09"),
    "62": (f"{ZCFB}/2025/art_7f2b9d4e6a1c3e5b8d0f2a4c6e8b0d62.html", "商务部公告2025年第62号 关于对稀土相关技术实施出口管制的决定", "2025-10-09"),
    "70": (f"{ZCFB}/2025/art_e1d3c5b7a9f0e2d4c6b8a0f1e3d5c770.html", "商务部 海关总署公告2025年第70号 关于暂停实施2025年第55号等公告的公告", "2025-11-07"),
}
CAPTURED = {"23": "2025-04-04", "18": "2025-04-04", "55": "2025-10-09", "58": "2025-10-09",
            "61": "2025-10-09", "62": "2025-10-09", "70": "2025-11-07"}
DATES = ["2025-04-04", "2025-10-09", "2025-11-07"]


def hexid(*parts):
    import hashlib
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:32]


def filler(column, n, kind):
    """Items real columns list beside announcements: notices, rules, news, Q&As (no number)."""
    words = {
        "notice": ["关于做好{m}月份对外贸易运行监测工作的通知", "关于印发《对外贸易经营者备案登记办法》修订说明的通知",
                   "关于开展{m}月份外贸企业服务专项行动的通知", "关于公布第{n}批外贸转型升级基地名单的通知"],
        "qa": ["商务部新闻发言人就出口管制相关问题答记者问（{n}）", "商务部新闻发言人就两用物项出口管制答记者问（{n}）"],
        "uel": ["关于不可靠实体清单工作机制有关工作的说明（{n}）", "不可靠实体清单工作机制办公室就有关问题答记者问（{n}）"],
    }[kind]
    t = words[n % len(words)].format(m=n % 12 + 1, n=n)
    return (f"/{column}/art/2025/art_{hexid(column, str(n))}.html", t)


def shell(host, web, tpl, tag, page_id, name):
    unit_id = hexid(host, page_id, "unit")
    qd = {"webId": web, "tplSetId": tpl, "pageType": "column", "tagId": tag, "editType": "null", "pageId": page_id}
    qd = json.dumps(qd, ensure_ascii=False).replace('"', "'")
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="SiteName" content="中华人民共和国商务部">
<meta name="ColumnName" content="{name}">
<meta name="ColId" content="{page_id}">
<meta name="WebId" content="{web}">
<title>{name} - 中华人民共和国商务部</title>
<script src="/cms_files/default/script/jquery.min.js"></script>
</head>
<body>
<div class="top-nav"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | <a href="/xwfb/">新闻发布</a></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; {name}</div>
<div class="main">
<section class="listCon"><div class="list-title">{name}</div><div id="{tag}"></div></section>
<aside class="jgRBox"><section class="rColumnBox"><h3>政策解读</h3><ul>
<li><a href="/zcjd/art/2025/art_{hexid(host, 'zcjd1')}.html" title="《商务部公告2025年第62号》政策解读">《商务部公告2025年第62号》政策解读</a> <a href="{ANN['62'][0]}">[政策原文]</a> <span>[2025-10-09]</span></li>
<li><a href="/zcjd/art/2025/art_{hexid(host, 'zcjd2')}.html" title="商务部 海关总署公告2025年第18号解读">商务部 海关总署公告2025年第18号解读</a> <span>[2025-04-05]</span></li>
</ul></section></aside>
</div>
<script>var authorizedReadUnitId = "{unit_id}";</script>
<script id="{unit_id}" src="/cms_files/default/script/AuthorizedRead/unitbuild.js?v=4.3.0-SWB-U19" url="/{UNIT}" parseType="bulidstatic" queryData="{qd}"></script>
<div class="footer"><p>主办单位：中华人民共和国商务部　版权所有：中华人民共和国商务部</p></div>
</body>
</html>
"""


def answer(tag, page_id, items, page, rows=15):
    part = items[(page - 1) * rows: page * rows]
    lis = "".join(
        f'<li><a href="{href}" title="{title}" target="_blank">{title[:28] + "…" if len(title) > 28 else title}</a><span>[{date}]</span></li>\n'
        for href, title, date in part)
    html = (f'<div id="{tag}"><div class="page-content"><ul class="txtList_01">\n{lis}</ul></div>'
            f'<div class="pagination" rows="{rows}" count="{len(items)}" pageNo="{page}" unitid="{hexid(page_id)}" '
            f'unitUrl="/{UNIT}" queryData="{{}}"></div></div>')
    body = {"roles": None, "permissions": None, "success": True, "message": "操作成功", "code": "200",
            "data": {"html": html}, "traceId": ""}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def column(host_params, path, page_id, name, lists):
    """`lists`: capture date → items (href, title, date), newest first."""
    host, web, tpl, tag = host_params
    write(f"{ROOT}/{DATES[0]}/{host}{path}index.html", shell(host, web, tpl, tag, page_id, name))
    previous = None
    for date in DATES:
        items = lists(date)
        if items == previous:
            continue
        previous = items
        pages = max(1, -(-len(items) // 15))
        for p in range(1, pages + 1):
            write(f"{ROOT}/{date}/{host}/{UNIT}/{page_id}/{p}.json", answer(tag, page_id, items, p))


def announcements(date, keys, copy_to=None, host="www.mofcom.gov.cn"):
    out = []
    for k in keys:
        if CAPTURED[k] > date:
            continue
        href, title, day = ANN[k]
        if copy_to:
            # The same announcement republished in another column, at its own URL.
            year = day[:4]
            new = f"{copy_to}/art/{year}/art_{hexid(copy_to, k)}.html"
            src = f"{ROOT}/{CAPTURED[k]}/www.mofcom.gov.cn{href}"
            dst = f"{ROOT}/{CAPTURED[k]}/{host}{new}"
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)
            href = new
        out.append((href, title, day))
    return out


# Lists of parties (entities.md), made-up companies: a control-list announcement with its annex,
# an unreliable-entity decision naming its parties inline, and a later suspension of its measures
# for a year (its end computed, and said, from the period).
PARTY_PAGES = {
    "cl": ("2025-10-09", "/flzc/gzjgfxwj/art/2025/art_5a1c3e5f7b9d4f1a3c5e7a9b1d3f5a99.html",
           "商务部公告2025年第99号 关于将示例航空技术公司等4家美国实体列入出口管制管控名单的公告", "2025-10-09 16:00",
           """<div class="art-con-gonggao">
<p>【发布单位】商务部</p>
<p>【发布文号】商务部公告2025年第99号</p>
<p>【发文日期】2025年10月9日</p>
</div>
<p>根据《中华人民共和国出口管制法》等法律法规有关规定，为维护国家安全和利益，商务部决定将示例航空技术公司等4家美国实体列入出口管制管控名单（见附件），并采取以下措施：</p>
<p>一、禁止向上述实体出口两用物项；正在开展的相关出口活动应当立即停止。</p>
<p>二、特殊情况下确需出口的，出口经营者应当向商务部提出申请。</p>
<p>三、本公告自公布之日起正式实施。</p>
<p style="text-align:right">商务部</p>
<p style="text-align:right">2025年10月9日</p>
<p>附件</p>
<p>出口管制管控名单（2025年10月9日）</p>
<p>1. 示例航空技术公司（Example Aero Technologies, Inc.）</p>
<p>2.示例飞行系统公司(Example Flight Systems LLC)</p>
<p>3. 示例洞察公司（Example Insights Inc.）及其分支机构</p>
<p>-Example Insights Europe Limited</p>
<p>4. 美国示例防务集团</p>
<p>5.</p>"""),
    "uel": ("2025-10-09", "/flzc/gzjgfxwj/art/2025/art_7c9e1a3b5d7f4a2c4e6a8c0e2a4c6e09.html",
            "不可靠实体清单工作机制公告〔2025〕9号 关于将示例导弹公司等实体列入不可靠实体清单的公告", "2025-10-09 16:30",
            """<p>不 可 靠 实 体 清 单 工 作 机 制</p>
<p>公　　告</p>
<p>〔2025〕9号</p>
<p>根据《不可靠实体清单规定》有关规定，工作机制决定将示例导弹公司（Example Missiles Corporation）、示例陆地系统公司（Example Land Systems）列入不可靠实体清单，并采取以下措施：</p>
<p>一、禁止上述企业从事与中国有关的进出口活动。</p>
<p>二、禁止上述企业在中国境内新增投资。</p>
<p>三、本公告自公布之日起实施。</p>
<p style="text-align:right">不可靠实体清单工作机制</p>
<p style="text-align:right">（商务部代章）</p>
<p style="text-align:right">2025年10月9日</p>"""),
    "uel-suspension": ("2025-11-07", "/flzc/gzjgfxwj/art/2025/art_9e1a3c5e7a9b4c1e3a5c7e9a1b3c5e12.html",
            "不可靠实体清单工作机制公告〔2025〕12号 关于暂停实施〔2025〕9号公告相关措施的公告", "2025-11-07 17:00",
            """<p>不 可 靠 实 体 清 单 工 作 机 制</p>
<p>公　　告</p>
<p>〔2025〕12号</p>
<p>根据《不可靠实体清单规定》有关规定，工作机制决定：自2025年11月10日起，暂停实施不可靠实体清单工作机制公告〔2025〕9号相关措施一年。</p>
<p style="text-align:right">不可靠实体清单工作机制</p>
<p style="text-align:right">（商务部代章）</p>
<p style="text-align:right">2025年11月7日</p>"""),
}


def party_page(title, pub, body):
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="SiteName" content="中华人民共和国商务部产业安全与进出口管制局">
<meta name="ColumnName" content="规章及规范性文件">
<meta name="ArticleTitle" content="{title}">
<meta name="PubDate" content="{pub}">
<title>{title}</title>
</head>
<body>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; 法律政策 &gt; 规章及规范性文件</div>
<div class="art-con art-con-bottonmLine" ergodic="article">
{body}
</div>
<div class="footer"><p>关于我们</p></div>
</body>
</html>
"""


def parties(date):
    out = []
    for captured, href, title, pub, body in PARTY_PAGES.values():
        if captured > date:
            continue
        write(f"{ROOT}/{captured}/aqygzj.mofcom.gov.cn{href}", party_page(title, pub, body))
        out.append((href, title, captured))
    return out


def news(column, kind, count, date):
    # Notices appear over time: the later the capture, the more of them.
    extra = DATES.index(date) * 4
    items = [filler(column.strip("/"), i, kind) for i in range(count + extra)]
    return [(h, t, date) for h, t in items]


def merged(*lists):
    items = [i for l in lists for i in l]
    return sorted(items, key=lambda i: i[2], reverse=True)


def live_markup(path):
    """An article page as www serves it (§2): `meta[name=ArticleTitle]`, `PubDate` (Beijing time,
    minute precision) and `MakeTime` (when the page was built: not a publication date), the body
    in `div.art-con[ergodic=article]` with the header block in `div.art-con-gonggao`. Idempotent."""
    with open(path, encoding="utf-8") as f:
        page = f.read()
    if 'name="ArticleTitle"' in page:
        return
    title = re.search(r"<title>(.*?)( - 中华人民共和国商务部)?</title>", page).group(1)
    pub = re.search(r"<span>(\d{4}-\d{2}-\d{2} \d{2}:\d{2})</span>", page).group(1)
    built = pub[:8] + "%02d" % min(28, int(pub[8:10]) + 1) + " 09:12:33"
    metas = (f'<meta name="SiteName" content="中华人民共和国商务部">\n'
             f'<meta name="ColumnName" content="政策发布">\n'
             f'<meta name="ArticleTitle" content="{title}">\n'
             f'<meta name="PubDate" content="{pub}">\n'
             f'<meta name="ContentSource" content="安全与管制局">\n'
             f'<meta name="MakeTime" content="{built}">\n')
    page = page.replace('<meta charset="utf-8">\n', '<meta charset="utf-8">\n' + metas, 1)
    page = page.replace('<div class="art-con" id="zoom">', '<div class="art-con art-con-bottonmLine" ergodic="article">', 1)
    header = re.search(r"(<p>【发布单位】.*?</p>\n<p>【发布文号】.*?</p>\n<p>【发文日期】.*?</p>\n)", page)
    if header:
        page = page.replace(header.group(1), '<div class="art-con-gonggao">\n' + header.group(1) + "</div>\n", 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)


def main():
    for k, (href, _, _) in ANN.items():
        live_markup(f"{ROOT}/{CAPTURED[k]}/www.mofcom.gov.cn{href}")
    for d in DATES:
        for stale in [f"{ROOT}/{d}/www.mofcom.gov.cn/zwgk/zcfb/index.html"]:
            if os.path.exists(stale) and d != DATES[0]:
                os.remove(stale)
        shutil.rmtree(f"{ROOT}/{d}/www.mofcom.gov.cn/{UNIT}", ignore_errors=True)
        shutil.rmtree(f"{ROOT}/{d}/aqygzj.mofcom.gov.cn/{UNIT}", ignore_errors=True)
    # 政策发布: every announcement, among enough notices that the oldest sits on page 2.
    column(WWW, "/zwgk/zcfb/", "fc8bdff48fa345a48b651c1285b70b8f", "政策发布",
           lambda d: merged(announcements(d, ["70", "62", "61", "58", "55", "18", "23"]),
                            [(h, t, "2024-12-20") for h, t, _ in news("zwgk/zcfb", "notice", 10, d)]))
    # 公告 of the year: this year's announcements, republished at their own URLs.
    column(WWW, "/zcfb/blgg/gg/2025/", "4d1b6f0c8e2a4b7d9c3e5f7a1b2c4d25", "2025年公告",
           lambda d: announcements(d, ["70", "62", "61", "58", "55", "18"], copy_to="/zcfb/blgg/gg/2025"))
    # Next year's column, read from January 2026 on (the replay's later dates): a notice so far.
    column(WWW, "/zcfb/blgg/gg/2026/", "6e8a0c2e4b6d4f8a0c2e4b6d8f0a2c26", "2026年公告",
           lambda d: [(h, t, "2026-01-05") for h, t, _ in news("zcfb/blgg/gg/2026", "notice", 1, DATES[0])])
    # 对外贸易管理: the 2023 gallium/germanium announcement among trade notices.
    column(WWW, "/zcfb/dwmygl/", "9b2e4c6a8d0f4e1b3c5d7f9a0b2c4e6d", "对外贸易管理",
           lambda d: merged(announcements(d, ["23"], copy_to="/zcfb/dwmygl"),
                            [(h, t, "2025-03-01") for h, t, _ in news("zcfb/dwmygl", "notice", 6, d)]))
    # 新闻发言人谈话: Q&As only.
    column(WWW, "/xwfb/xwfyrth/", "5c7e9a1b3d5f4a6c8e0b2d4f6a8c0e2b", "新闻发言人谈话",
           lambda d: news("xwfb/xwfyrth", "qa", 5, d))
    # The bureau's rules and normative documents: party-list decisions, and No. 62 republished.
    column(AQY, "/flzc/gzjgfxwj/", "79d6d2c4e44d458180d37dd4f0996645", "规章及规范性文件",
           lambda d: merged(announcements(d, ["62"], copy_to="/flzc/gzjgfxwj", host="aqygzj.mofcom.gov.cn"),
                            parties(d),
                            [(h, t, "2025-02-04") for h, t, _ in news("flzc/gzjgfxwj", "uel", 3, d)]))
    # 综合信息: the bureau's spokesperson Q&As.
    column(AQY, "/zhxx/", "2a4c6e8b0d1f3a5c7e9b1d3f5a7c9e0b", "综合信息",
           lambda d: news("zhxx", "qa", 4, d))


def charsetless_headers():
    """The CMS sites send `Content-Type: text/html` with no charset (§1.5, §3): every page of
    www and aqygzj in a capture is listed so in its headers.toml (the body says UTF-8 in <meta>)."""
    for d in DATES:
        base = f"{ROOT}/{d}"
        entries = []
        for host in ["www.mofcom.gov.cn", "aqygzj.mofcom.gov.cn"]:
            for dirpath, _, files in os.walk(f"{base}/{host}"):
                for name in files:
                    if name.endswith(".html"):
                        rel = os.path.relpath(os.path.join(dirpath, name), base)
                        entries.append(rel)
        path = f"{base}/headers.toml"
        text = open(path, encoding="utf-8").read() if os.path.exists(path) else (
            "# Response headers as the site served them, per path, where they differ from\n"
            "# `text/html; charset=utf-8`.\n")
        marker = "\n# The CMS sites (www, aqygzj) send no charset.\n"
        text = text.split(marker)[0].rstrip("\n") + "\n" + marker
        for rel in sorted(entries):
            text += f'\n["{rel}"]\ncontent-type = "text/html"\n'
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
    charsetless_headers()
