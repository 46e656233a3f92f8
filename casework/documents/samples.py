"""Realistic sample contexts for every document kind, in Chinese and English.

Tests render them, ``validate_template_source`` checks admin templates against them, and the demo
data reuses them. Hashes are real SHA-256 values of fixed strings, so they are stable and valid;
domains are ``.example`` (RFC 2606) so that nothing here points at a real site.
"""
from __future__ import annotations

import copy
import hashlib
from datetime import date, datetime, timezone
from typing import Any

from casework.documents.elements import elements_for
from casework.documents.errors import UnsupportedLanguage
from casework.documents.statements import standard_statement

__all__ = ["sample_context", "SAMPLE_KINDS"]


def _h(label: str) -> str:
    return hashlib.sha256(label.encode("utf-8")).hexdigest()


_AT = datetime(2026, 11, 20, 9, 41, 7, tzinfo=timezone.utc)
_VERIFY = "https://casework.example/verify/documents/7f3c9a52-1d4e-4b8a-9c61-2e5f0b7d8a13"

_T = {  # every string that differs between the languages
    "zh": {
        "holder": "北京星河影视文化有限公司", "holder_addr": "北京市朝阳区建国路88号星河大厦12层",
        "firm": "北京明理律师事务所", "firm_addr": "北京市东城区东长安街1号东方广场W2座9层",
        "dept": "知识产权部", "legal": "北京星河影视文化有限公司法务部",
        "work": "电视剧《长河落日》", "work_kind": "电视剧",
        "work_desc": "共36集，2026年9月1日首播，本案涉及第1至3集。", "reg": "国作登字-2026-F-00123456",
        "infringer": "深圳市快看网络科技有限公司", "infringer_addr": "广东省深圳市南山区科技园南区高新南七道18号",
        "platform": "快看视频", "ep": "《长河落日》第{n}集（高清）",
        "ev": ["第1集播放页网页取证（WARC及截图）", "第2集播放页网页取证（WARC及截图）", "侵权账号主页截图"],
        "purpose": ["证明被告在其网站向公众提供权利作品第1集的在线播放", "证明被告在其网站向公众提供权利作品第2集的在线播放",
                    "证明侵权内容由“快看影视剧场”账号上传，播放量逾十二万次"],
        "cert": "存证证书", "lawyer": "王静", "lawyer_title": "律师", "head": "李明远", "head_title": "法务总监",
        "recipient_us": "视界视频公司版权代理人", "case": "北京星河影视文化有限公司诉深圳市快看网络科技有限公司侵害作品信息网络传播权纠纷",
        "court": "北京互联网法院", "uploaded": "权利人提交",
        "mandate": "就贵方未经许可通过其经营的“快看视频”网站传播委托人享有著作权的电视剧《长河落日》一事，指派本所律师处理相关维权事宜",
        "facts": [
            "委托人是电视剧《长河落日》的著作权人，依法享有该作品的信息网络传播权。该剧共36集，于2026年9月1日在委托人授权的平台首播，委托人已就该剧各集视频文件在本所存证账本中完成存证，存证信息见本函“所依据的存证”部分。",
            "经委托人监测发现，自2026年11月18日起，贵方经营的“快看视频”网站（kuaikan-video.example）在“快看影视剧场”账号下向公众提供该剧第1至3集的在线播放，截至本函出具之日播放量逾十二万次。委托人从未授权贵方以任何方式使用该作品。",
            "本所已于2026年11月20日对上述侵权页面进行了网页取证，取证文件（WARC存档及页面截图）的哈希值均已存入存证账本，可随时核验。",
        ],
        "analysis": [
            "根据《中华人民共和国著作权法》第十条第一款第（十二）项的规定，信息网络传播权是以有线或者无线方式向公众提供，使公众可以在其选定的时间和地点获得作品的权利。贵方未经许可在其网站向公众提供涉案作品的在线播放，已构成对委托人信息网络传播权的侵害。",
            "根据《中华人民共和国著作权法》第五十二条、第五十四条的规定，贵方应当承担停止侵害、消除影响、赔偿损失等民事责任；根据《中华人民共和国民法典》第一千一百九十五条、第一千一百九十七条的规定，网络服务提供者知道或者应当知道网络用户利用其网络服务侵害他人民事权益，未采取必要措施的，与该网络用户承担连带责任。",
        ],
        "demands": [
            "立即停止通过“快看视频”网站及其关联客户端传播涉案作品，删除全部侵权内容并断开相关链接；",
            "于下述期限内书面确认已履行前项要求，并说明侵权内容的上传时间、播放数据及收益情况；",
            "就侵权行为给委托人造成的经济损失与委托人协商赔偿事宜。",
        ],
        "consequence": "如贵方逾期未履行上述要求，本所将根据委托人的授权，依法采取包括但不限于提起诉讼在内的法律措施，由此产生的一切法律后果及费用由贵方承担。",
    },
    "en": {
        "holder": "Beijing Xinghe Film & Culture Co., Ltd.", "holder_addr": "12/F Xinghe Tower, 88 Jianguo Road, Chaoyang District, Beijing, China",
        "firm": "Mingli Law Firm", "firm_addr": "9/F Tower W2, Oriental Plaza, 1 East Chang'an Avenue, Dongcheng District, Beijing, China",
        "dept": "Intellectual Property Practice", "legal": "Legal Department, Beijing Xinghe Film & Culture Co., Ltd.",
        "work": "Sunset over the Long River (TV series)", "work_kind": "TV series",
        "work_desc": "36 episodes, first broadcast on 1 September 2026; episodes 1 to 3 are concerned.", "reg": "2026-F-00123456",
        "infringer": "Shenzhen Kuaikan Network Technology Co., Ltd.", "infringer_addr": "18 Gaoxin South 7th Road, Nanshan District, Shenzhen, Guangdong, China",
        "platform": "Kuaikan Video", "ep": "Sunset over the Long River, episode {n} (HD)",
        "ev": ["Web capture of the episode 1 page (WARC and screenshot)", "Web capture of the episode 2 page (WARC and screenshot)", "Screenshot of the uploading account's page"],
        "purpose": ["Shows the defendant making episode 1 available for streaming to the public", "Shows the defendant making episode 2 available for streaming to the public",
                    "Shows the uploads come from the account 'Kuaikan Drama Theatre' with over 120,000 views"],
        "cert": "Deposit certificate", "lawyer": "Wang Jing", "lawyer_title": "Attorney at Law", "head": "Li Mingyuan", "head_title": "Head of Legal",
        "recipient_us": "Vista Video Inc., Designated DMCA Agent", "case": "Beijing Xinghe Film & Culture Co., Ltd. v. Shenzhen Kuaikan Network Technology Co., Ltd. (infringement of the right of communication over information networks)",
        "court": "Beijing Internet Court", "uploaded": "submitted by the rights holder",
        "mandate": "in respect of the unauthorised communication, on the Kuaikan Video website you operate, of the TV series Sunset over the Long River, in which our client holds the copyright",
        "facts": [
            "Our client owns the copyright in the TV series Sunset over the Long River, including the right of communication over information networks. The series has 36 episodes and was first broadcast on 1 September 2026 on a platform licensed by our client. The video file of each episode has been deposited in our ledger, as listed under Deposits relied on.",
            "Our client's monitoring found that since 18 November 2026 the Kuaikan Video website you operate (kuaikan-video.example) has offered episodes 1 to 3 of the series for streaming to the public under the account 'Kuaikan Drama Theatre', with over 120,000 views to date. Our client has never authorised you to use the work in any way.",
            "We captured the infringing pages on 20 November 2026; the hashes of the capture files (WARC archives and screenshots) are deposited in the ledger and can be verified at any time.",
        ],
        "analysis": [
            "Under Article 10(1)(12) of the Copyright Law of the People's Republic of China, the right of communication over information networks is the right to make a work available to the public by wire or wireless means so that members of the public may access it from a place and at a time individually chosen by them. By making the work available for streaming on your website without authorisation you infringe that right.",
            "Under Articles 52 and 54 of the Copyright Law you are liable to cease the infringement, eliminate its effects and compensate the loss; under Articles 1195 and 1197 of the Civil Code, a network service provider that knows or should know that a user infringes the rights of others through its service and fails to take necessary measures is jointly and severally liable with that user.",
        ],
        "demands": [
            "Immediately stop communicating the work through the Kuaikan Video website and its apps, remove all infringing content and disable the related links;",
            "Confirm in writing within the deadline below that you have done so, and state when the content was uploaded, its viewing figures and the revenue it earned;",
            "Negotiate with our client compensation for the economic loss the infringement has caused.",
        ],
        "consequence": "Should you fail to comply by the deadline, we are instructed to take legal action, including proceedings before the courts, without further notice, and you will bear all consequences and costs.",
    },
}


def _build(lang: str) -> dict[str, dict[str, Any]]:
    t = _T[lang]
    issuer = {"name": t["firm"], "department": t["dept"], "address": t["firm_addr"], "phone": "+86 10 8520 0000",
              "email": "ip@mingli-law.example", "website": "https://mingli-law.example"}
    legal = {"name": t["legal"], "address": t["holder_addr"], "phone": "+86 10 6500 8888", "email": "legal@xinghe-film.example"}
    holder = {"name": t["holder"], "address": t["holder_addr"], "phone": "+86 10 6500 8888",
              "email": "legal@xinghe-film.example", "registration": "91110105MA01XXXX3K"}
    files = [{"name": f"changhe-luori-e{n:02d}.mp4", "sha256": _h(f"work-file-{n}"), "size": 1_873_204_112 + n * 7_919,
              "media_type": "video/mp4", "deposit_index": 1040 + n, "deposited_at": datetime(2026, 9, 1, 2, n, 11, tzinfo=timezone.utc)}
             for n in (1, 2, 3)]
    work = {"title": t["work"], "kind": t["work_kind"], "description": t["work_desc"], "rights_holder": t["holder"],
            "registration": t["reg"], "first_published": date(2026, 9, 1), "files": files}
    infringing = [{"title": t["ep"].format(n=n), "url": f"https://kuaikan-video.example/play/88{n}7302?ep={n}",
                   "platform": t["platform"], "first_seen": date(2026, 11, 18)} for n in (1, 2, 3)]
    sources = ["https://kuaikan-video.example/play/8817302?ep=1", "https://kuaikan-video.example/play/8827302?ep=2",
               "https://kuaikan-video.example/u/kuaikan-theatre"]
    evidence = [{"name": t["ev"][i], "purpose": t["purpose"][i], "source": sources[i],
                 "obtained_at": _AT.replace(minute=41 + i * 3), "sha256": _h(f"evidence-{i}"), "size": 48_213_559 - i * 1_000_003,
                 "deposit_index": 2310 + i} for i in range(3)]
    certificate = {"number": "XH-CERT-2026-000417", "title": t["cert"], "sha256": _h("certificate-417"), "deposit_index": 1062}
    infringer = {"name": t["infringer"], "address": t["infringer_addr"], "email": "legal@kuaikan-video.example",
                 "platform_account": "kuaikan-theatre"}
    platform = {"name": t["recipient_us"], "address": "500 Market Street, Suite 300, San Francisco, CA 94105, USA",
                "email": "copyright@vista-video.example"}
    common = {"issued_on": date(2026, 11, 24), "verification_url": _VERIFY, "works": [work], "evidence": evidence[:2]}
    lawyer = {"name": t["lawyer"], "title": t["lawyer_title"], "licence_number": "11101201810987654"}
    head = {"name": t["head"], "title": t["head_title"]}
    return {
        "cease_desist": {**common, "file_number": "（2026）明理函字第0117号" if lang == "zh" else "ML/IP/2026/0117",
                         "issuer": issuer, "client": holder, "mandate": t["mandate"], "recipient": infringer,
                         "infringing": infringing, "facts": t["facts"], "legal_analysis": t["analysis"],
                         "demands": t["demands"], "consequence": t["consequence"], "deadline": date(2026, 12, 1),
                         "signatory": lawyer},
        "takedown_notice_us": {**common, "file_number": "XH-DMCA-2026-0093", "issuer": legal, "recipient": platform,
                               "complainant": {**legal, "contact_person": t["head"]}, "owner": t["holder"], "acting_as": "agent",
                               "infringing": infringing,
                               "good_faith_statement": standard_statement("good_faith_statement", lang),
                               "accuracy_statement": standard_statement("accuracy_statement", lang), "signatory": head},
        "takedown_notice_cn": {**common, "file_number": "XH-TZ-2026-0094", "issuer": legal,
                               "recipient": {**infringer, "name": t["infringer"]}, "right_holder": holder, "agent": legal,
                               "infringing": infringing, "certificates": [certificate],
                               "truth_statement": standard_statement("truth_statement", lang), "signatory": head},
        "deposit_certificate": {"file_number": certificate["number"], "issued_on": date(2026, 9, 1),
                                "issued_at": datetime(2026, 9, 1, 2, 15, 0, tzinfo=timezone.utc),
                                "issuer": {**legal, "department": ""}, "verification_url": _VERIFY.replace("7f3c9a52", "0c41e9d8"),
                                "work": work, "rights_holder": holder,
                                "checkpoint": {"origin": "casework.example/ledger", "tree_size": 1050, "root_hash": _h("root-1050"),
                                               "signed_at": datetime(2026, 9, 1, 2, 14, 30, tzinfo=timezone.utc)}},
        "evidence_catalogue": {**common, "file_number": "XH-EV-2026-0031", "issuer": legal, "case_title": t["case"],
                               "submitted_by": holder, "court": t["court"],
                               "evidence": [{"name": t["cert"] + " " + certificate["number"], "purpose": work["description"],
                                             "source": t["uploaded"], "obtained_at": datetime(2026, 9, 1, 2, 15, tzinfo=timezone.utc),
                                             "sha256": certificate["sha256"], "deposit_index": certificate["deposit_index"]}] + evidence,
                               "signatory": head},
    }


SAMPLE_KINDS = ("cease_desist", "takedown_notice_us", "takedown_notice_cn", "deposit_certificate", "evidence_catalogue")
_SAMPLES = {lang: _build(lang) for lang in ("zh", "en")}


def sample_context(kind: str, lang: str) -> dict[str, Any]:
    """A fresh deep copy of the sample context for ``kind`` in ``lang`` ("zh" or "en")."""
    elements_for(kind)
    if lang not in _SAMPLES:
        raise UnsupportedLanguage(f"unsupported language {lang!r}")
    return copy.deepcopy(_SAMPLES[lang][kind])
