"""The demo's texts in Arabic, Somali, Finnish and easy-read Swedish, so the demo is whole in all six languages.

Written by the developers, not yet reviewed by native speakers (see docs/translating.md): have them
reviewed before showing them to residents as anything more than a demonstration.
"""

from __future__ import annotations

from typing import Any

VOTE = {
    "title": {
        "ar": "الميزانية التشاركية تينستا 2026",
        "so": "Miisaaniyadda dadweynaha Tensta 2026",
        "fi": "Asukasbudjetti Tensta 2026",
        "sv-easy": "Medborgarbudget Tensta 2026",
    },
    "description": {
        "ar": "يصوّت سكان تينستا وهولستا على المقترحات التي ستُنفَّذ في العام المقبل.",
        "so": "Dadka ku nool Tensta iyo Hjulsta waxay u codeynayaan soo jeedinta la fulin doono sanadka soo socda.",
        "fi": "Tenstan ja Hjulstan asukkaat äänestävät siitä, mitkä ehdotukset toteutetaan ensi vuonna.",
        "sv-easy": "Du som bor i Tensta och Hjulsta får rösta. Ni bestämmer vilka förslag som blir av nästa år.",
    },
    "area": {
        "ar": "تينستا وهولستا",
        "so": "Tensta iyo Hjulsta",
        "fi": "Tensta ja Hjulsta",
        "sv-easy": "Tensta och Hjulsta",
    },
    "area_statement": {
        "ar": "يجب أن تسكن أو تعمل أو تدرس في تينستا أو هولستا.",
        "so": "Waa inaad ku nooshahay, ka shaqeysaa ama dugsi ka dhigataa Tensta ama Hjulsta.",
        "fi": "Sinun tulee asua, työskennellä tai käydä koulua Tenstassa tai Hjulstassa.",
        "sv-easy": "Du ska bo, jobba eller gå i skolan i Tensta eller Hjulsta.",
    },
    "location": {"ar": "تينستا", "so": "Tensta", "fi": "Tensta", "sv-easy": "Tensta"},
}

SURVEY = [
    ("age", {
        "sv": "Hur gammal är du?", "en": "How old are you?", "ar": "كم عمرك؟", "so": "Imisa jir baad tahay?",
        "fi": "Kuinka vanha olet?", "sv-easy": "Hur gammal är du?",
    }, [
        ("under_18", {"sv": "Under 18 år", "en": "Under 18", "ar": "أقل من 18", "so": "Ka yar 18", "fi": "Alle 18", "sv-easy": "Yngre än 18 år"}),
        ("18_29", {"sv": "18–29 år", "en": "18–29", "ar": "18–29", "so": "18–29", "fi": "18–29", "sv-easy": "18–29 år"}),
        ("30_64", {"sv": "30–64 år", "en": "30–64", "ar": "30–64", "so": "30–64", "fi": "30–64", "sv-easy": "30–64 år"}),
        ("65_plus", {"sv": "65 år eller äldre", "en": "65 or older", "ar": "65 أو أكثر", "so": "65 ama ka weyn", "fi": "65 tai vanhempi",
                     "sv-easy": "65 år eller äldre"}),
    ]),
    ("first_time", {
        "sv": "Är det första gången du röstar i en medborgarbudget?", "en": "Is this the first time you vote in a citizens' budget?",
        "ar": "هل هذه أول مرة تصوّت فيها في الميزانية التشاركية؟", "so": "Ma tahay markii ugu horeysay ee aad u codeyso miisaaniyadda dadweynaha?",
        "fi": "Äänestätkö asukasbudjetissa ensimmäistä kertaa?", "sv-easy": "Är det första gången du röstar om medborgarbudget?",
    }, [
        ("yes", {"sv": "Ja", "en": "Yes", "ar": "نعم", "so": "Haa", "fi": "Kyllä", "sv-easy": "Ja"}),
        ("no", {"sv": "Nej", "en": "No", "ar": "لا", "so": "Maya", "fi": "Ei", "sv-easy": "Nej"}),
    ]),
    ("heard", {
        "sv": "Hur fick du veta om omröstningen?", "en": "How did you hear about the vote?", "ar": "كيف عرفت عن التصويت؟",
        "so": "Sideed ku ogaatay codbixinta?", "fi": "Mistä kuulit äänestyksestä?", "sv-easy": "Hur fick du veta att du kan rösta?",
    }, [
        ("letter", {"sv": "Brev eller lapp hemma", "en": "A letter or note at home", "ar": "رسالة أو ورقة في البيت", "so": "Warqad guriga timid",
                    "fi": "Kirje tai lappu kotona", "sv-easy": "Ett brev hem"}),
        ("school", {"sv": "Skola, förening eller fritidsgård", "en": "School, a club or youth centre", "ar": "المدرسة أو جمعية أو نادي الشباب",
                    "so": "Dugsi, urur ama xarun dhalinyaro", "fi": "Koulu, yhdistys tai nuorisotalo", "sv-easy": "Skolan, en förening eller fritids"}),
        ("social", {"sv": "Sociala medier eller webben", "en": "Social media or the web", "ar": "وسائل التواصل الاجتماعي أو الإنترنت",
                    "so": "Baraha bulshada ama internetka", "fi": "Sosiaalinen media tai verkko", "sv-easy": "Internet"}),
        ("people", {"sv": "Någon jag känner", "en": "Someone I know", "ar": "شخص أعرفه", "so": "Qof aan aqaan", "fi": "Joku tuttu",
                    "sv-easy": "Någon jag känner"}),
        ("here", {"sv": "Jag såg stationen här", "en": "I saw the station here", "ar": "رأيت محطة التصويت هنا", "so": "Halkan ayaan ku arkay goobta",
                  "fi": "Näin äänestyspisteen täällä", "sv-easy": "Jag såg stället att rösta här"}),
    ]),
]
"""The demo's short survey after the receipt, in every language; `survey(languages)` gives it in some of them."""


def survey(languages: tuple[str, ...]) -> dict[str, Any]:
    def only(text: dict[str, str]) -> dict[str, str]:
        return {language: value for language, value in text.items() if language in languages}

    return {"questions": [
        {"id": question_id, "text": only(text), "answers": [{"id": answer_id, "text": only(answer)} for answer_id, answer in answers]}
        for question_id, text, answers in SURVEY
    ]}


CATEGORIES = {
    "Trygghet": {"ar": "الأمان", "so": "Badbaado", "fi": "Turvallisuus", "sv-easy": "Trygghet"},
    "Idrott": {"ar": "الرياضة", "so": "Ciyaaraha", "fi": "Liikunta", "sv-easy": "Sport"},
    "Torg och parker": {"ar": "الساحات والحدائق", "so": "Fagaarayaal iyo beero", "fi": "Torit ja puistot", "sv-easy": "Torg och parker"},
    "Unga": {"ar": "الشباب", "so": "Dhalinyarada", "fi": "Nuoret", "sv-easy": "Unga"},
    "Barn": {"ar": "الأطفال", "so": "Carruurta", "fi": "Lapset", "sv-easy": "Barn"},
    "Trafik": {"ar": "المرور", "so": "Gaadiidka", "fi": "Liikenne", "sv-easy": "Trafik"},
    "Kultur": {"ar": "الثقافة", "so": "Dhaqanka", "fi": "Kulttuuri", "sv-easy": "Kultur"},
}

PROJECTS: dict[str, dict[str, tuple[str, str]]] = {
    "belysning": {
        "ar": ("إنارة آمنة على ممر المشاة إلى محطة سبونغا", "مصابيح جديدة على ممر المشاة المظلم، ليشعر عدد أكبر من الناس بالأمان عند المشي فيه مساءً."),
        "so": ("Iftiin ammaan ah oo waddada lugta ee Spånga station", "Nalal cusub oo la dhigo waddada lugta ee mugdiga ah, si dad badan ay ugu socdaan iyagoo nabad ah fiidkii."),
        "fi": ("Turvallinen valaistus kävelytielle Spångan asemalle", "Uudet valaisimet pimeälle kävelytielle, jotta useampi uskaltaa kulkea siellä iltaisin."),
        "sv-easy": ("Lampor längs gångvägen till Spånga station", "Nya lampor längs den mörka gångvägen. Då vågar fler gå där på kvällen."),
    },
    "utegym": {
        "ar": ("صالة رياضية في الهواء الطلق عند تينستا تريف", "صالة رياضية مجانية في الهواء الطلق بأجهزة لجميع الأعمار ولمستخدمي الكراسي المتحركة."),
        "so": ("Jimicsi bannaanka ah oo ku yaal Tensta träff", "Goob jimicsi oo bilaash ah oo bannaanka ah, qalab u leh da' kasta iyo dadka isticmaala kursiga curyaanka."),
        "fi": ("Ulkokuntosali Tensta träffin luona", "Maksuton ulkokuntosali, jossa on laitteita kaikenikäisille ja pyörätuolin käyttäjille."),
        "sv-easy": ("Utegym vid Tensta träff", "Ett gym utomhus som är gratis. Alla åldrar kan träna där, även du som har rullstol."),
    },
    "bankar": {
        "ar": ("مزيد من المقاعد في ساحة تينستا", "اثنا عشر مقعدًا جديدًا بمسند للظهر والذراعين، ليستريح كبار السن أثناء التسوق."),
        "so": ("Kuraas badan oo fagaaraha Tensta", "Laba iyo toban kursi cusub oo leh gadaal iyo gacmo-hayn, si dadka waayeelka ah ay u nastaan markay wax iibsanayaan."),
        "fi": ("Lisää penkkejä Tenstan torille", "Kaksitoista uutta penkkiä selkä- ja käsinojilla, jotta ikääntyneet voivat levätä asioidessaan."),
        "sv-easy": ("Fler bänkar på Tensta torg", "Tolv nya bänkar med ryggstöd. Äldre kan vila där när de handlar."),
    },
    "odling": {
        "ar": ("صناديق زراعة للجيران", "ثلاثون صندوق زراعة في حديقة هولستا يمكن للجيران استعارتها موسمًا بعد موسم."),
        "so": ("Sanduuqyo beero ah oo deriska", "Soddon sanduuq beero ah oo ku yaal beerta Hjulsta, oo deriska ay amaahan karaan xilli kasta."),
        "fi": ("Viljelylaatikoita naapureille", "Kolmekymmentä viljelylaatikkoa Hjulstan puistoon, joita naapurit voivat lainata kausi kerrallaan."),
        "sv-easy": ("Lådor att odla i för grannar", "Trettio lådor i Hjulstaparken. Grannar kan låna en låda och odla i den en sommar."),
    },
    "laxhjalp": {
        "ar": ("مساعدة في الواجبات المدرسية مساءً في المكتبة", "مساعدة في الواجبات ثلاث أمسيات في الأسبوع طوال عام دراسي، وبعدة لغات."),
        "so": ("Caawimaad casharada guriga fiidkii maktabadda", "Caawimaad casharada guriga saddex fiid toddobaadkii muddo sanad dugsiyeed ah, luqado badan."),
        "fi": ("Läksyapua kirjastossa iltaisin", "Läksyapua kolmena iltana viikossa lukuvuoden ajan, usealla kielellä."),
        "sv-easy": ("Hjälp med läxor i biblioteket på kvällen", "Hjälp med läxor tre kvällar i veckan under ett år. Hjälpen finns på flera språk."),
    },
    "konstgras": {
        "ar": ("عشب صناعي لملعب الكرة في هولستا", "يحصل الملعب على عشب صناعي ويمكن استخدامه من بداية الربيع حتى أواخر الخريف."),
        "so": ("Caws macmal ah oo garoonka kubadda Hjulsta", "Garoonka waxaa la dhigayaa caws macmal ah, waxaana la isticmaali karaa gu'ga hore ilaa dayrta dambe."),
        "fi": ("Tekonurmi Hjulstan pallokentälle", "Pallokenttä saa tekonurmen, ja sitä voi käyttää varhaiskeväästä myöhäissyksyyn."),
        "sv-easy": ("Konstgräs på fotbollsplanen i Hjulsta", "Planen får konstgräs. Då kan man spela där från tidig vår till sen höst."),
    },
    "lekplats": {
        "ar": ("ملعب أطفال بأرجوحة لكل طفل", "يُعاد بناء الملعب بأرجوحة وصندوق رمل يستطيع الأطفال على الكراسي المتحركة استخدامهما أيضًا."),
        "so": ("Goob ciyaareed oo leh lulid ilmo kasta", "Goobta ciyaarta waa la dib u dhisayaa, oo leh lulid iyo sanduuq ciid ah oo carruurta kursiga curyaanka ku jira ay sidoo kale isticmaali karaan."),
        "fi": ("Leikkipaikka, jonka keinu sopii kaikille lapsille", "Leikkipaikka rakennetaan uudelleen: keinu ja hiekkalaatikko, joita myös pyörätuolia käyttävät lapset voivat käyttää."),
        "sv-easy": ("Lekplats med gunga för alla barn", "Lekplatsen byggs om. Den får en gunga och en sandlåda som barn i rullstol också kan använda."),
    },
    "cykelstall": {
        "ar": ("مواقف دراجات مسقوفة عند المدرسة", "ستون مكانًا تحت سقف، بحوامل يمكن قفل إطار الدراجة بها."),
        "so": ("Meelo baaskiil oo saqaf leh oo dugsiga agtiisa", "Lixdan meelood oo saqaf leh, oo leh qalab lagu xidhi karo jirka baaskiilka."),
        "fi": ("Katetut pyörätelineet koululle", "Kuusikymmentä katettua paikkaa telineillä, joihin pyörän rungon voi lukita."),
        "sv-easy": ("Cykelställ med tak vid skolan", "Sextio platser för cyklar under tak. Du kan låsa fast cykeln i ramen."),
    },
    "sommarbio": {
        "ar": ("سينما صيفية في الحديقة", "ست أمسيات أفلام مجانية في الحديقة خلال العطلة الصيفية، مع ترجمة مكتوبة."),
        "so": ("Shineemo xagaa oo beerta", "Lix fiid oo filim bilaash ah oo beerta ah inta lagu jiro fasaxa xagaaga, oo leh qoraal turjumaad."),
        "fi": ("Kesäelokuvat puistossa", "Kuusi maksutonta elokuvailtaa puistossa kesäloman aikana, tekstitettyinä."),
        "sv-easy": ("Bio i parken på sommaren", "Sex kvällar med film i parken på sommarlovet. Det är gratis och filmerna har text."),
    },
    "fontaner": {
        "ar": ("نوافير مياه للشرب", "أربع نوافير لمياه الشرب عند ملاعب الأطفال وملاعب الكرة."),
        "so": ("Biyo-cabbid fawaarado", "Afar fawaarad oo biyo la cabbo ah oo u dhow goobaha ciyaarta iyo garoomada kubadda."),
        "fi": ("Juomavesiautomaatit", "Neljä juomavesipistettä leikkipaikkojen ja pallokenttien luona."),
        "sv-easy": ("Fontäner med dricksvatten", "Fyra fontäner där du kan dricka vatten. De står vid lekplatser och fotbollsplaner."),
    },
    "tunneln": {
        "ar": ("نفق مشاة أكثر إضاءة تحت طريق تينستا", "يحصل النفق على إضاءة وألوان وفن يشارك أطفال الحي في صنعه."),
        "so": ("Tunnel lugeed oo iftiin badan oo hoos mara Tenstavägen", "Tunnelka waxaa la siinayaa iftiin, midab iyo farshaxan ay carruurta xaafadda ka qayb qaataan samayntiisa."),
        "fi": ("Valoisampi alikulku Tenstavägenin alle", "Alikulku saa valoa, värejä ja taidetta, jota alueen lapset ovat mukana tekemässä."),
        "sv-easy": ("Ljusare tunnel under Tenstavägen", "Tunneln får ljus, färg och konst. Barn som bor här får vara med och göra konsten."),
    },
    "skugga": {
        "ar": ("ظل ومقاعد عند تينستا تريف", "مظلات شراعية ومقاعد ليتمكن عدد أكبر من الناس من البقاء في الخارج في الأيام الحارة."),
        "so": ("Hoos iyo kuraas oo Tensta träff", "Daah qorraxda ka ilaaliya iyo kuraas si dad badan ay bannaanka ugu joogaan maalmaha kulul."),
        "fi": ("Varjoa ja istumapaikkoja Tensta träffin luo", "Aurinkopurjeita ja istumapaikkoja, jotta useampi voi olla ulkona kuumina päivinä."),
        "sv-easy": ("Skugga och platser att sitta vid Tensta träff", "Tak av tyg mot solen och platser att sitta på. Då kan fler vara ute när det är varmt."),
    },
}


def in_all_languages(document: dict[str, Any]) -> dict[str, Any]:
    """The demo document with every text in all six languages."""
    document = dict(document)
    document["languages"] = ["sv", "en", "ar", "so", "fi", "sv-easy"]
    document["title"] = {**document["title"], **VOTE["title"]}
    document["description"] = {**document["description"], **VOTE["description"]}
    document["area"] = {**document["area"], "name": {**document["area"]["name"], **VOTE["area"]}}
    eligibility = dict(document["eligibility"])
    eligibility["area_statement"] = {**eligibility["area_statement"], **VOTE["area_statement"]}
    document["eligibility"] = eligibility
    projects = []
    for project in document["projects"]:
        texts = PROJECTS[project["id"]]
        projects.append({
            **project,
            "title": {**project["title"], **{language: title for language, (title, _) in texts.items()}},
            "summary": {**project["summary"], **{language: summary for language, (_, summary) in texts.items()}},
            "category": {**project["category"], **CATEGORIES[project["category"]["sv"]]},
            "location": {**project["location"], **VOTE["location"]},
        })
    document["projects"] = projects
    if "survey" in document:
        document["survey"] = survey(tuple(document["languages"]))
    return document
