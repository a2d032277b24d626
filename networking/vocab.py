"""School subjects and teaching themes as teachers type them, in the languages of the
programmes, mapped to one canonical term each.

Teachers fill in "subjects" and "interests" in their own language ("wiskunde", "matematyka",
"matematik", "maths"); metadata overlap compares canonical terms, so a Dutch and a Polish
physics teacher share "physics" even where the sentence embeddings cannot help (Swedish,
Finnish and Estonian are not among the encoder's languages). A term that matches nothing here
is compared as typed (lower case, accents folded). The canonical term's English label is what
a reason shows ("Both teach physics").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

# canonical id -> (label, words and phrases in en, nl, pl, sv, fi, et, de, fr, es, it, ...)
# fmt: off
SUBJECTS: dict[str, tuple[object, tuple[str, ...]]] = {
    "mathematics": (_("mathematics"), (
        "mathematics", "maths", "math", "wiskunde", "rekenen", "matematyka", "matematyki",
        "matematik", "matematiikka", "matemaatika", "mathematik", "mathe", "mathématiques",
        "maths", "matemáticas", "matematica", "matemática")),
    "physics": (_("physics"), (
        "physics", "natuurkunde", "fysica", "fizyka", "fizyki", "fysik", "fysiikka", "füüsika",
        "physik", "physique", "física", "fisica")),
    "chemistry": (_("chemistry"), (
        "chemistry", "scheikunde", "chemie", "chemia", "chemii", "kemi", "kemia", "keemia",
        "chimie", "química", "chimica")),
    "biology": (_("biology"), (
        "biology", "biologie", "biologia", "biologii", "biologi", "biologia", "bioloogia",
        "biología")),
    "science": (_("science"), (
        "science", "sciences", "natural science", "natuurwetenschappen", "nask", "przyroda",
        "nauki przyrodnicze", "naturkunskap", "no-ämnen", "luonnontieteet", "ympäristöoppi",
        "loodusõpetus", "loodusained", "naturwissenschaften", "sachunterricht",
        "sciences naturelles", "ciencias", "scienze", "stem", "steam")),
    "geography": (_("geography"), (
        "geography", "aardrijkskunde", "geografie", "geografia", "geografii", "geografi",
        "maantieto", "maantiede", "geograafia", "erdkunde", "géographie", "geografía")),
    "history": (_("history"), (
        "history", "geschiedenis", "historia", "historii", "historia", "ajalugu", "geschichte",
        "histoire", "storia")),
    "social_studies": (_("social studies and citizenship"), (
        "social studies", "civics", "citizenship", "maatschappijleer", "burgerschap",
        "wiedza o społeczeństwie", "wos", "samhällskunskap", "samhällskunskap", "yhteiskuntaoppi",
        "ühiskonnaõpetus", "sozialkunde", "politik", "éducation civique",
        "enseignement moral et civique", "educación cívica", "educazione civica")),
    "economics": (_("economics"), (
        "economics", "economie", "ekonomia", "podstawy przedsiębiorczości", "ekonomi",
        "taloustieto", "majandus", "wirtschaft", "économie", "economía")),
    "english": (_("English"), (
        "english", "engels", "język angielski", "angielski", "engelska", "englanti",
        "inglise keel", "englisch", "anglais", "inglés", "inglese")),
    "french": (_("French"), (
        "french", "frans", "język francuski", "francuski", "franska", "ranska", "prantsuse keel",
        "französisch", "français", "francés", "francese")),
    "german": (_("German"), (
        "german", "duits", "język niemiecki", "niemiecki", "tyska", "saksa", "saksa keel",
        "deutsch", "allemand", "alemán", "tedesco")),
    "spanish": (_("Spanish"), (
        "spanish", "spaans", "język hiszpański", "hiszpański", "spanska", "espanja",
        "hispaania keel", "spanisch", "espagnol", "español", "spagnolo")),
    "first_language": (_("language and literacy (first language)"), (
        "literacy", "mother tongue", "nederlands", "dutch", "język polski", "polski", "polish",
        "svenska", "swedish", "suomi", "äidinkieli", "äidinkieli ja kirjallisuus", "finnish",
        "eesti keel", "estonian", "emakeel", "kirjandus", "deutschunterricht", "lesen", "lecture",
        "lengua", "italiano", "taalonderwijs", "lezen")),
    "music": (_("music"), (
        "music", "muziek", "muzyka", "muzyki", "musik", "musiikki", "muusika", "musique",
        "música", "musica")),
    "art": (_("art"), (
        "art", "visual arts", "arts", "beeldende vorming", "tekenen", "kunst", "plastyka",
        "sztuka", "bild", "bildkonst", "kuvataide", "kunstiõpetus", "arts plastiques",
        "educación plástica", "arte")),
    "physical_education": (_("physical education"), (
        "physical education", "pe", "sport", "lichamelijke opvoeding", "gym",
        "wychowanie fizyczne", "wf", "idrott", "idrott och hälsa", "liikunta",
        "kehaline kasvatus", "sportunterricht", "éducation physique", "eps", "educación física",
        "educazione fisica")),
    "computer_science": (_("computer science and ICT"), (
        "computer science", "ict", "informatics", "computing", "coding", "programming",
        "informatica", "informatyka", "informatyki", "programmering", "datavetenskap",
        "tietotekniikka", "ohjelmointi", "informaatika", "arvutiõpetus", "programmeerimine",
        "informatik", "informatique", "informática", "tecnologia informatica", "digital skills")),
    "technology": (_("technology and design"), (
        "technology", "design and technology", "techniek", "technika", "technologia", "teknik",
        "teknologia", "käsityö", "tehnoloogia", "tööõpetus", "technik", "technologie",
        "tecnología", "tecnologia")),
    "religion_ethics": (_("religion and ethics"), (
        "religion", "ethics", "levensbeschouwing", "religie", "religia", "etyka",
        "religionskunskap", "uskonto", "elämänkatsomustieto", "usundiõpetus", "ethik",
        "religionsunterricht", "éthique", "ética", "etica")),
    "philosophy": (_("philosophy"), (
        "philosophy", "filosofie", "filozofia", "filosofi", "filosofia", "filosoofia",
        "philosophie", "filosofía")),
    "special_needs": (_("special needs education"), (
        "special needs", "special education", "sen", "speciaal onderwijs", "zorg",
        "pedagogika specjalna", "edukacja specjalna", "specialpedagogik", "erityisopetus",
        "erityispedagogiikka", "hariduslikud erivajadused", "eripedagoogika", "förderpädagogik",
        "sonderpädagogik", "éducation spécialisée", "educación especial", "sostegno")),
    "early_years": (_("early years education"), (
        "early years", "kindergarten", "preschool", "kleuters", "kleuteronderwijs",
        "wychowanie przedszkolne", "przedszkole", "förskola", "varhaiskasvatus", "esiopetus",
        "alusharidus", "lasteaed", "frühpädagogik", "école maternelle", "maternelle",
        "educación infantil", "scuola dell'infanzia")),
    "school_leadership": (_("school leadership"), (
        "school leadership", "leadership", "management", "schoolleiding", "directie",
        "zarządzanie szkołą", "dyrektor", "skolledning", "rektor", "rehtori", "koolijuhtimine",
        "schulleitung", "direction d'école", "dirección escolar")),
}

THEMES: dict[str, tuple[object, tuple[str, ...]]] = {
    "project_based": (_("project-based learning"), (
        "project-based learning", "project based learning", "pbl", "projects", "projectonderwijs",
        "projectmatig werken", "projectmatig leren", "metoda projektu", "metoda projektów",
        "nauczanie projektowe", "projekty edukacyjne", "projektbaserat lärande", "projektarbete",
        "projektioppiminen", "ilmiöoppiminen", "ilmiöpohjainen oppiminen", "projektõpe",
        "projektipõhine õpe", "projektunterricht", "projektbasiertes lernen",
        "pédagogie de projet", "apprentissage par projet", "aprendizaje basado en proyectos")),
    "inquiry": (_("inquiry-based learning"), (
        "inquiry-based learning", "inquiry based learning", "inquiry", "onderzoekend leren",
        "onderzoekend en ontwerpend leren", "nauczanie przez odkrywanie", "metoda badawcza",
        "uczenie się przez dociekanie", "undersökande arbetssätt", "tutkiva oppiminen",
        "uurimuslik õpe", "forschendes lernen", "démarche d'investigation",
        "aprendizaje por indagación")),
    "formative_assessment": (_("formative assessment"), (
        "formative assessment", "assessment for learning", "feedback", "formatief evalueren",
        "formatief handelen", "ocenianie kształtujące", "formativ bedömning",
        "bedömning för lärande", "formatiivinen arviointi", "kujundav hindamine",
        "formative beurteilung", "formatives feedback", "évaluation formative",
        "evaluación formativa")),
    "differentiation": (_("differentiation and personalised learning"), (
        "differentiation", "differentiated instruction", "personalised learning",
        "personalized learning", "differentiëren", "gepersonaliseerd leren", "maatwerk",
        "indywidualizacja", "nauczanie zróżnicowane", "personalizacja nauczania",
        "differentiering", "individanpassning", "personligt lärande", "eriyttäminen",
        "henkilökohtainen oppiminen", "diferentseerimine", "personaalne õpe",
        "individualisiertes lernen", "binnendifferenzierung", "différenciation pédagogique",
        "pédagogie différenciée", "personalización del aprendizaje")),
    "inclusion": (_("inclusive education"), (
        "inclusion", "inclusive education", "inclusief onderwijs", "passend onderwijs",
        "edukacja włączająca", "inkluzja", "inkludering", "inkluderande undervisning",
        "inkluusio", "kaasav haridus", "kaasamine", "inklusion", "inklusive bildung",
        "école inclusive", "inclusion scolaire", "educación inclusiva")),
    "digital": (_("digital tools in teaching"), (
        "digital tools", "digital learning", "edtech", "ict in education", "digitalisation",
        "digitale didactiek", "digitale middelen", "ict in het onderwijs", "narzędzia cyfrowe",
        "cyfryzacja", "kompetencje cyfrowe", "digitala verktyg", "digitalisering",
        "digitaaliset työkalut", "digitaalinen oppiminen", "digivahendid", "digiõpe",
        "digitale medien", "digitale bildung", "outils numériques", "numérique",
        "herramientas digitales", "digital innovation", "digital competence")),
    "ai": (_("AI in education"), (
        "ai in education", "artificial intelligence", "ai", "ki", "kunstmatige intelligentie",
        "sztuczna inteligencja", "artificiell intelligens", "tekoäly", "tehisintellekt",
        "künstliche intelligenz", "intelligence artificielle", "inteligencia artificial")),
    "outdoor": (_("outdoor learning"), (
        "outdoor learning", "outdoor education", "buitenles", "buitenonderwijs",
        "edukacja na świeżym powietrzu", "zajęcia w terenie", "utomhuspedagogik",
        "uteundervisning", "ulko-opetus", "ulkona oppiminen", "õuesõpe", "draußen lernen",
        "naturpädagogik", "école dehors", "classe dehors", "educación al aire libre")),
    "sustainability": (_("sustainability and climate"), (
        "sustainability", "climate", "climate change", "education for sustainable development",
        "duurzaamheid", "klimaat", "zrównoważony rozwój", "edukacja ekologiczna", "klimat",
        "hållbar utveckling", "hållbarhet", "kestävä kehitys", "ilmastokasvatus", "kestlik areng",
        "keskkonnaharidus", "nachhaltigkeit", "bildung für nachhaltige entwicklung", "bne",
        "développement durable", "éducation au développement durable", "sostenibilidad")),
    "wellbeing": (_("wellbeing and social-emotional learning"), (
        "wellbeing", "well-being", "social-emotional learning", "sel", "mental health", "welzijn",
        "sociaal-emotionele ontwikkeling", "dobrostan", "zdrowie psychiczne",
        "edukacja emocjonalna", "välbefinnande", "psykisk hälsa", "hyvinvointi", "tunnetaidot",
        "heaolu", "sotsiaal-emotsionaalne õpe", "wohlbefinden", "sozial-emotionales lernen",
        "bien-être", "compétences psychosociales", "bienestar")),
    "game_based": (_("game-based learning"), (
        "game-based learning", "gamification", "games", "serious games", "spelend leren",
        "gamificatie", "grywalizacja", "gry edukacyjne", "spelbaserat lärande", "spelifiering",
        "pelillistäminen", "pelillinen oppiminen", "mängustamine", "mänguline õpe",
        "spielbasiertes lernen", "gamifizierung", "ludification", "jeux pédagogiques",
        "gamificación")),
    "flipped": (_("flipped classroom"), (
        "flipped classroom", "flipped learning", "flipping the classroom", "omgedraaide klas",
        "flipped klaslokaal", "odwrócona klasa", "flippat klassrum", "omvänt klassrum",
        "käänteinen luokkahuone", "pööratud klassiruum", "umgedrehter unterricht",
        "classe inversée", "clase invertida", "aula capovolta")),
    "reading": (_("reading and literacy"), (
        "reading", "reading for pleasure", "literacy", "leesbevordering", "begrijpend lezen",
        "czytelnictwo", "czytanie", "läsförståelse", "läsfrämjande", "lukutaito",
        "lukemisen edistäminen", "lugemisoskus", "lugemine", "leseförderung", "lecture plaisir",
        "compréhension écrite", "comprensión lectora")),
    "multilingual": (_("multilingual classrooms"), (
        "multilingualism", "multilingual classrooms", "newcomers", "meertaligheid", "nieuwkomers",
        "wielojęzyczność", "uczniowie z doświadczeniem migracji", "flerspråkighet", "nyanlända",
        "monikielisyys", "maahanmuuttajaoppilaat", "mitmekeelsus", "mehrsprachigkeit", "daz",
        "plurilinguisme", "élèves allophones", "multilingüismo")),
    "cooperative": (_("cooperative learning"), (
        "cooperative learning", "collaborative learning", "group work", "coöperatief leren",
        "samenwerkend leren", "uczenie się we współpracy", "praca w grupach",
        "kooperativt lärande", "samarbetsinlärning", "yhteistoiminnallinen oppiminen",
        "koostöine õpe", "kooperatives lernen", "apprentissage coopératif",
        "aprendizaje cooperativo")),
    "student_agency": (_("student agency and self-regulated learning"), (
        "student agency", "self-regulated learning", "learner autonomy", "student voice",
        "eigenaarschap", "zelfregulerend leren", "autonomia ucznia", "samoregulacja",
        "elevinflytande", "självreglerat lärande", "oppilaan toimijuus", "itseohjautuvuus",
        "õpilase vastutus", "ennastjuhtiv õppimine", "selbstreguliertes lernen",
        "schülerautonomie", "autonomie des élèves", "autonomía del alumnado")),
    "mentoring": (_("mentoring and peer learning of teachers"), (
        "mentoring", "peer learning", "coaching", "teacher collaboration", "intervisie",
        "begeleiding", "mentoring nauczycieli", "mentorstwo", "kollegialt lärande", "mentorskap",
        "vertaismentorointi", "mentorointi", "mentorlus", "kolleegilt õppimine",
        "kollegiale hospitation", "mentoring von lehrkräften", "tutorat", "mentorat",
        "school-to-school mentoring")),
    "coding": (_("coding and computational thinking"), (
        "coding", "computational thinking", "robotics", "programmeren", "computationeel denken",
        "robotica", "programowanie", "myślenie komputacyjne", "robotyka", "programmering",
        "datalogiskt tänkande", "ohjelmointi", "robotiikka", "programmeerimine", "robootika",
        "informatisches denken", "robotik", "pensée informatique", "robotique",
        "pensamiento computacional", "micro:bit", "scratch")),
    "citizenship": (_("citizenship and democracy"), (
        "democracy", "citizenship education", "democratic citizenship", "democratie",
        "burgerschapsonderwijs", "edukacja obywatelska", "demokracja", "demokrati",
        "demokratiuppdraget", "demokratiakasvatus", "kodanikuharidus", "demokraatia",
        "demokratiebildung", "politische bildung", "éducation à la citoyenneté",
        "educación para la ciudadanía")),
    "media_literacy": (_("media literacy"), (
        "media literacy", "fake news", "disinformation", "mediawijsheid", "nepnieuws",
        "edukacja medialna", "dezinformacja", "medie- och informationskunnighet", "mik",
        "källkritik", "medialukutaito", "meediapädevus", "meediakirjaoskus", "medienkompetenz",
        "éducation aux médias", "alfabetización mediática")),
    "international": (_("international projects and Erasmus+"), (
        "erasmus+", "erasmus", "etwinning", "international projects", "mobility",
        "internationalisering", "projekty międzynarodowe", "wymiany", "internationalisering",
        "kansainvälisyys", "rahvusvahelised projektid", "internationale projekte",
        "projets internationaux", "proyectos internacionales", "erasmus+ mobility")),
    "entrepreneurship": (_("entrepreneurship education"), (
        "entrepreneurship", "entrepreneurial learning", "ondernemend leren", "przedsiębiorczość",
        "entreprenörskap", "yrittäjyyskasvatus", "ettevõtlusõpe", "entrepreneurship education",
        "unternehmergeist", "esprit d'entreprendre", "emprendimiento")),
    "learning_analytics": (_("learning analytics and data"), (
        "learning analytics", "data-informed teaching", "data", "learning data",
        "opbrengstgericht werken", "analityka edukacyjna", "lärandeanalys", "oppimisanalytiikka",
        "õpianalüütika", "lernanalytik", "learning analytics et données")),
}
# fmt: on


def fold(text: str) -> str:
    """Lower case, accents removed, spaces collapsed: "Fízyka  " -> "fizyka"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.replace("ł", "l").replace("ø", "o").split())


@lru_cache(maxsize=2)
def _table(kind: str) -> tuple[dict[str, str], re.Pattern[str]]:
    entries = SUBJECTS if kind == "subject" else THEMES
    phrases: dict[str, str] = {}
    for canonical, (_label, words) in entries.items():
        phrases[fold(canonical.replace("_", " "))] = canonical
        for word in words:
            phrases.setdefault(fold(word), canonical)
    # Longest phrases first, whole words only: "game-based learning" before "games".
    ordered = sorted(phrases, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w])(" + "|".join(re.escape(p) for p in ordered) + r")(?![\w])")
    return phrases, pattern


def canonical_terms(values: list[str], kind: str) -> set[str]:
    """The canonical terms of a list of subjects (``kind="subject"``) or interests
    (``"theme"``). An item naming none is kept as typed (folded), prefixed ``"~"``."""
    phrases, pattern = _table(kind)
    found: set[str] = set()
    for value in values:
        folded = fold(value)
        if not folded:
            continue
        exact = phrases.get(folded)
        if exact:
            found.add(exact)
            continue
        matches = {phrases[m] for m in pattern.findall(folded)}
        found |= matches or {"~" + folded}
    return found


def label(term: str, kind: str) -> str:
    """What a reason calls a canonical term (a term outside the vocabulary as typed)."""
    if term.startswith("~"):
        return term[1:]
    entries = SUBJECTS if kind == "subject" else THEMES
    return str(entries[term][0]) if term in entries else term
