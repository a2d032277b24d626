"""A synthetic population of teachers for the networking benchmarks (Q1, Q2).

Planted affinity groups: 8 teachers who share a subject, an age group and a teaching theme,
spread over 10 countries and written in their own languages (Dutch, French, Polish,
Swedish, Finnish, Estonian, German, or English — which a third of them use, and every
Spanish and Italian teacher here), each in their own wording: the theme is a label in the
interests field (a common label, or a paraphrase no vocabulary knows) for half of them, and
described in a sentence of the bio for most. Subjects and age groups come with noise (a second
subject, an adjacent age group), interests with a random second theme, bios with a sentence
about something else.

Distractors (as many as group members) are hard negatives: the same subject and age group as
some groups but another theme, so metadata alone cannot tell them apart; the theme is in the
text, which the encoder understands in 16 languages but not in Swedish, Finnish or Estonian.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

COUNTRIES = {  # country: (profile language, other languages one may speak)
    "NL": ("nl", ["en", "de"]),
    "BE": ("nl", ["fr", "en"]),
    "FR": ("fr", ["en"]),
    "PL": ("pl", ["en", "de"]),
    "SE": ("sv", ["en"]),
    "FI": ("fi", ["en", "sv"]),
    "EE": ("et", ["en", "ru"]),
    "DE": ("de", ["en"]),
    "ES": ("en", ["es"]),  # writes in English (Spanish is the first language)
    "IT": ("en", ["it"]),
}
FIRST = {"ES": "es", "IT": "it"}
ENGLISH_SHARE = 0.33


@dataclass(frozen=True)
class Knobs:
    """How each profile is written (probabilities)."""

    theme_in_interests: float = 0.75  # the theme named in the interests field...
    common_label: float = 0.6  # ...by its common label (otherwise a paraphrase)
    theme_in_bio: float = 0.7  # the theme described in a sentence of the bio
    second_subject: float = 0.15  # noise: a second subject
    second_age_group: float = 0.15  # noise: an adjacent age group
    second_theme: float = 0.25  # noise: another theme in the interests
    aside: float = 0.6  # a bio sentence about something else


CLEAN = Knobs(theme_in_interests=1.0, theme_in_bio=1.0, second_subject=0.0,
              second_age_group=0.0, second_theme=0.0, aside=0.0)  # fmt: skip

AGES = ["primary", "lower_secondary", "upper_secondary", "vocational"]
SUBJECTS: dict[str, dict[str, list[str]]] = {
    "mathematics": {"en": ["maths", "mathematics"], "nl": ["wiskunde"], "fr": ["mathématiques"],
                    "pl": ["matematyka"], "sv": ["matematik"], "fi": ["matematiikka"],
                    "et": ["matemaatika"], "de": ["Mathematik", "Mathe"]},
    "physics": {"en": ["physics"], "nl": ["natuurkunde", "fysica"], "fr": ["physique"],
                "pl": ["fizyka"], "sv": ["fysik"], "fi": ["fysiikka"], "et": ["füüsika"],
                "de": ["Physik"]},
    "biology": {"en": ["biology"], "nl": ["biologie"], "fr": ["biologie", "SVT"],
                "pl": ["biologia"], "sv": ["biologi"], "fi": ["biologia"], "et": ["bioloogia"],
                "de": ["Biologie"]},
    "history": {"en": ["history"], "nl": ["geschiedenis"], "fr": ["histoire"],
                "pl": ["historia"], "sv": ["historia"], "fi": ["historia"], "et": ["ajalugu"],
                "de": ["Geschichte"]},
    "geography": {"en": ["geography"], "nl": ["aardrijkskunde"], "fr": ["géographie"],
                  "pl": ["geografia"], "sv": ["geografi"], "fi": ["maantieto"],
                  "et": ["geograafia"], "de": ["Erdkunde"]},
    "english": {"en": ["English"], "nl": ["Engels"], "fr": ["anglais"], "pl": ["język angielski"],
                "sv": ["engelska"], "fi": ["englanti"], "et": ["inglise keel"], "de": ["Englisch"]},
    "music": {"en": ["music"], "nl": ["muziek"], "fr": ["musique"], "pl": ["muzyka"],
              "sv": ["musik"], "fi": ["musiikki"], "et": ["muusika"], "de": ["Musik"]},
    "art": {"en": ["art", "visual arts"], "nl": ["beeldende vorming"], "fr": ["arts plastiques"],
            "pl": ["plastyka"], "sv": ["bild"], "fi": ["kuvataide"], "et": ["kunstiõpetus"],
            "de": ["Kunst"]},
    "physical_education": {"en": ["PE", "physical education"], "nl": ["lichamelijke opvoeding"],
                           "fr": ["EPS"], "pl": ["wychowanie fizyczne"], "sv": ["idrott och hälsa"],
                           "fi": ["liikunta"], "et": ["kehaline kasvatus"], "de": ["Sport"]},
    "computer_science": {"en": ["computer science", "ICT"], "nl": ["informatica"],
                         "fr": ["informatique"], "pl": ["informatyka"], "sv": ["programmering"],
                         "fi": ["tietotekniikka"], "et": ["informaatika"], "de": ["Informatik"]},
    "chemistry": {"en": ["chemistry"], "nl": ["scheikunde"], "fr": ["chimie"], "pl": ["chemia"],
                  "sv": ["kemi"], "fi": ["kemia"], "et": ["keemia"], "de": ["Chemie"]},
    "first_language": {"en": ["literacy"], "nl": ["Nederlands"], "fr": ["français"],
                       "pl": ["język polski"], "sv": ["svenska"], "fi": ["äidinkieli"],
                       "et": ["eesti keel"], "de": ["Deutsch"]},
}  # fmt: skip

# The teaching themes: labels for the interests field (the first is a common label, the
# others paraphrases) and a sentence for the bio, per language.
THEMES: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "project_based": {
        "en": (["project-based learning", "learning through real-world projects"],
               ["My pupils work for weeks on real projects that end with something they make for the town.",
                "Most of my lessons are long projects where pupils build and present a product."]),
        "nl": (["projectonderwijs", "leren in echte projecten"],
               ["Mijn leerlingen werken wekenlang aan echte projecten en presenteren aan het eind wat ze gemaakt hebben.",
                "Ik organiseer mijn lessen rond projecten waarin leerlingen samen een product bouwen."]),
        "fr": (["pédagogie de projet", "apprendre par des projets concrets"],
               ["Mes élèves travaillent pendant des semaines sur de vrais projets et présentent ce qu'ils ont fabriqué.",
                "J'organise mes cours autour de projets où les élèves construisent ensemble un produit."]),
        "pl": (["metoda projektu", "uczenie się przez prawdziwe projekty"],
               ["Moi uczniowie przez kilka tygodni pracują nad prawdziwymi projektami i prezentują to, co zbudowali.",
                "Organizuję lekcje wokół projektów, w których uczniowie wspólnie tworzą produkt."]),
        "de": (["Projektunterricht", "Lernen in echten Projekten"],
               ["Meine Schüler arbeiten wochenlang an echten Projekten und präsentieren am Ende, was sie gebaut haben.",
                "Ich organisiere den Unterricht um Projekte, in denen die Klasse gemeinsam ein Produkt herstellt."]),
        "sv": (["projektbaserat lärande", "lärande i riktiga projekt"],
               ["Mina elever arbetar i flera veckor med riktiga projekt och visar upp det de har byggt.",
                "Jag bygger undervisningen kring projekt där eleverna tillsammans skapar en produkt."]),
        "fi": (["ilmiöoppiminen", "oppiminen todellisissa projekteissa"],
               ["Oppilaani työskentelevät viikkoja todellisten projektien parissa ja esittelevät lopuksi tuotoksensa.",
                "Rakennan opetukseni projektien ympärille, joissa oppilaat tekevät yhdessä tuotteen."]),
        "et": (["projektõpe", "õppimine päris projektides"],
               ["Minu õpilased töötavad nädalaid päris projektidega ja esitlevad lõpus seda, mida nad ehitasid.",
                "Korraldan tunnid projektide ümber, kus õpilased loovad koos toote."]),
    },
    "inquiry": {
        "en": (["inquiry-based learning", "letting pupils investigate"],
               ["I let pupils ask their own questions and design experiments to find the answers.",
                "My classes start with a puzzling observation that pupils investigate themselves."]),
        "nl": (["onderzoekend leren", "leerlingen zelf laten onderzoeken"],
               ["Ik laat leerlingen hun eigen onderzoeksvragen stellen en zelf proeven bedenken.",
                "Mijn lessen beginnen met een raadselachtige waarneming die leerlingen zelf onderzoeken."]),
        "fr": (["démarche d'investigation", "faire enquêter les élèves"],
               ["Je laisse les élèves poser leurs propres questions et concevoir des expériences pour y répondre.",
                "Mes cours commencent par une observation étonnante que les élèves examinent eux-mêmes."]),
        "pl": (["metoda badawcza", "uczniowie sami badają"],
               ["Pozwalam uczniom zadawać własne pytania i samodzielnie projektować doświadczenia.",
                "Moje lekcje zaczynają się od zagadkowej obserwacji, którą uczniowie sami badają."]),
        "de": (["forschendes Lernen", "Schüler selbst forschen lassen"],
               ["Ich lasse die Schüler eigene Fragen stellen und selbst Experimente entwerfen.",
                "Meine Stunden beginnen mit einer rätselhaften Beobachtung, die die Klasse selbst untersucht."]),
        "sv": (["undersökande arbetssätt", "låta eleverna undersöka själva"],
               ["Jag låter eleverna ställa egna frågor och planera experiment för att hitta svaren.",
                "Mina lektioner börjar med en gåtfull iakttagelse som eleverna själva undersöker."]),
        "fi": (["tutkiva oppiminen", "oppilaat tutkivat itse"],
               ["Annan oppilaiden esittää omia kysymyksiään ja suunnitella kokeita vastausten löytämiseksi.",
                "Tuntini alkavat arvoituksellisesta havainnosta, jota oppilaat tutkivat itse."]),
        "et": (["uurimuslik õpe", "õpilased uurivad ise"],
               ["Lasen õpilastel esitada oma küsimusi ja kavandada katseid vastuste leidmiseks.",
                "Minu tunnid algavad mõistatusliku vaatlusega, mida õpilased ise uurivad."]),
    },
    "formative_assessment": {
        "en": (["formative assessment", "feedback instead of grades"],
               ["I give feedback during learning instead of grades and pupils assess each other's work.",
                "Exit tickets and peer feedback tell me every day what my pupils have understood."]),
        "nl": (["formatief evalueren", "feedback in plaats van cijfers"],
               ["Ik geef feedback tijdens het leren in plaats van cijfers en leerlingen beoordelen elkaars werk.",
                "Met exit tickets en feedback van medeleerlingen weet ik elke dag wat mijn klas begrepen heeft."]),
        "fr": (["évaluation formative", "des retours plutôt que des notes"],
               ["Je donne des retours pendant l'apprentissage plutôt que des notes et les élèves s'évaluent entre eux.",
                "Les billets de sortie et les retours entre pairs me disent chaque jour ce que la classe a compris."]),
        "pl": (["ocenianie kształtujące", "informacja zwrotna zamiast ocen"],
               ["Zamiast stopni daję uczniom informację zwrotną w trakcie nauki, a oni oceniają nawzajem swoje prace.",
                "Bilety wyjścia i koleżeńska informacja zwrotna codziennie mówią mi, co klasa zrozumiała."]),
        "de": (["formative Beurteilung", "Rückmeldung statt Noten"],
               ["Ich gebe während des Lernens Rückmeldungen statt Noten, und die Schüler bewerten gegenseitig ihre Arbeiten.",
                "Exit-Tickets und Peer-Feedback zeigen mir jeden Tag, was meine Klasse verstanden hat."]),
        "sv": (["formativ bedömning", "återkoppling i stället för betyg"],
               ["Jag ger återkoppling under lärandet i stället för betyg och eleverna bedömer varandras arbeten.",
                "Exit tickets och kamratrespons visar mig varje dag vad klassen har förstått."]),
        "fi": (["formatiivinen arviointi", "palaute arvosanojen sijaan"],
               ["Annan palautetta oppimisen aikana arvosanojen sijaan, ja oppilaat arvioivat toistensa töitä.",
                "Poistumisliput ja vertaispalaute kertovat minulle joka päivä, mitä luokka on ymmärtänyt."]),
        "et": (["kujundav hindamine", "tagasiside hinnete asemel"],
               ["Annan õppimise ajal hinnete asemel tagasisidet ja õpilased hindavad üksteise töid.",
                "Väljumispiletid ja kaaslaste tagasiside ütlevad mulle iga päev, mida klass on mõistnud."]),
    },
    "differentiation": {
        "en": (["differentiation", "every pupil at their own level"],
               ["Every pupil in my class works at their own level with tasks I adapt to them.",
                "I plan three versions of each lesson so that strong and struggling pupils both progress."]),
        "nl": (["differentiëren", "elke leerling op eigen niveau"],
               ["Elke leerling in mijn klas werkt op eigen niveau met opdrachten die ik aanpas.",
                "Ik maak drie versies van elke les zodat sterke en zwakke leerlingen allebei vooruitgaan."]),
        "fr": (["pédagogie différenciée", "chaque élève à son niveau"],
               ["Chaque élève de ma classe travaille à son niveau avec des tâches que j'adapte.",
                "Je prépare trois versions de chaque leçon pour que les élèves forts et en difficulté progressent."]),
        "pl": (["indywidualizacja", "każdy uczeń na swoim poziomie"],
               ["Każdy uczeń w mojej klasie pracuje na swoim poziomie z zadaniami, które dostosowuję.",
                "Przygotowuję trzy wersje każdej lekcji, aby postępy robili i zdolni, i słabsi uczniowie."]),
        "de": (["Binnendifferenzierung", "jedes Kind auf seinem Niveau"],
               ["Jedes Kind in meiner Klasse arbeitet auf seinem Niveau mit Aufgaben, die ich anpasse.",
                "Ich plane drei Versionen jeder Stunde, damit starke und schwache Schüler vorankommen."]),
        "sv": (["differentiering", "varje elev på sin nivå"],
               ["Varje elev i min klass arbetar på sin egen nivå med uppgifter som jag anpassar.",
                "Jag planerar tre versioner av varje lektion så att både starka och svaga elever utvecklas."]),
        "fi": (["eriyttäminen", "jokainen oppilas omalla tasollaan"],
               ["Jokainen luokkani oppilas työskentelee omalla tasollaan tehtävillä, jotka mukautan.",
                "Suunnittelen jokaisesta tunnista kolme versiota, jotta sekä vahvat että heikommat edistyvät."]),
        "et": (["diferentseerimine", "iga õpilane oma tasemel"],
               ["Iga õpilane minu klassis töötab oma tasemel ülesannetega, mida ma kohandan.",
                "Kavandan igast tunnist kolm versiooni, et nii tugevad kui ka nõrgemad õpilased areneksid."]),
    },
    "outdoor": {
        "en": (["outdoor learning", "teaching in the forest"],
               ["Once a week my class learns outside, in the park or the forest next to the school.",
                "We take lessons outdoors and use nature as our classroom."]),
        "nl": (["buitenonderwijs", "lesgeven in het bos"],
               ["Eén keer per week leert mijn klas buiten, in het park of het bos naast de school.",
                "We geven les in de buitenlucht en gebruiken de natuur als klaslokaal."]),
        "fr": (["école dehors", "faire classe en forêt"],
               ["Une fois par semaine ma classe apprend dehors, dans le parc ou la forêt près de l'école.",
                "Nous faisons cours en plein air et la nature devient notre salle de classe."]),
        "pl": (["edukacja na świeżym powietrzu", "lekcje w lesie"],
               ["Raz w tygodniu moja klasa uczy się na zewnątrz, w parku albo w lesie obok szkoły.",
                "Prowadzimy lekcje na dworze, a przyroda jest naszą klasą."]),
        "de": (["draußen lernen", "Unterricht im Wald"],
               ["Einmal pro Woche lernt meine Klasse draußen, im Park oder im Wald neben der Schule.",
                "Wir verlegen den Unterricht ins Freie und nutzen die Natur als Klassenzimmer."]),
        "sv": (["utomhuspedagogik", "undervisning i skogen"],
               ["En gång i veckan lär sig min klass utomhus, i parken eller skogen bredvid skolan.",
                "Vi har lektioner ute och använder naturen som klassrum."]),
        "fi": (["ulko-opetus", "opetus metsässä"],
               ["Kerran viikossa luokkani oppii ulkona, puistossa tai koulun vieressä olevassa metsässä.",
                "Pidämme tunteja ulkona ja käytämme luontoa luokkahuoneena."]),
        "et": (["õuesõpe", "õppimine metsas"],
               ["Kord nädalas õpib minu klass õues, pargis või kooli kõrval metsas.",
                "Viime tunnid õue ja kasutame loodust klassiruumina."]),
    },
    "sustainability": {
        "en": (["sustainability", "climate education"],
               ["My pupils measure the school's energy use and plan how to cut waste and emissions.",
                "Climate change and a sustainable future run through all my lessons."]),
        "nl": (["duurzaamheid", "klimaateducatie"],
               ["Mijn leerlingen meten het energieverbruik van de school en bedenken hoe we afval en uitstoot verminderen.",
                "Klimaatverandering en een duurzame toekomst lopen door al mijn lessen."]),
        "fr": (["développement durable", "éducation au climat"],
               ["Mes élèves mesurent la consommation d'énergie de l'école et cherchent à réduire déchets et émissions.",
                "Le changement climatique et un avenir durable traversent tous mes cours."]),
        "pl": (["zrównoważony rozwój", "edukacja klimatyczna"],
               ["Moi uczniowie mierzą zużycie energii w szkole i planują, jak ograniczyć odpady i emisje.",
                "Zmiany klimatu i zrównoważona przyszłość przewijają się przez wszystkie moje lekcje."]),
        "de": (["Nachhaltigkeit", "Klimabildung"],
               ["Meine Schüler messen den Energieverbrauch der Schule und planen, wie wir Müll und Emissionen senken.",
                "Klimawandel und eine nachhaltige Zukunft ziehen sich durch meinen ganzen Unterricht."]),
        "sv": (["hållbar utveckling", "klimatundervisning"],
               ["Mina elever mäter skolans energianvändning och planerar hur vi minskar avfall och utsläpp.",
                "Klimatförändringar och en hållbar framtid går som en röd tråd genom mina lektioner."]),
        "fi": (["kestävä kehitys", "ilmastokasvatus"],
               ["Oppilaani mittaavat koulun energiankulutusta ja suunnittelevat, miten vähennämme jätettä ja päästöjä.",
                "Ilmastonmuutos ja kestävä tulevaisuus kulkevat kaikkien tuntieni läpi."]),
        "et": (["kestlik areng", "kliimaharidus"],
               ["Minu õpilased mõõdavad kooli energiakulu ja kavandavad, kuidas jäätmeid ja heitmeid vähendada.",
                "Kliimamuutus ja kestlik tulevik läbivad kõiki mu tunde."]),
    },
    "game_based": {
        "en": (["game-based learning", "learning through games"],
               ["I design board games and quests so that pupils practise while they play.",
                "Points, levels and classroom games keep my pupils motivated."]),
        "nl": (["spelend leren", "leren met spellen"],
               ["Ik ontwerp bordspellen en speurtochten zodat leerlingen oefenen terwijl ze spelen.",
                "Punten, levels en klassenspellen houden mijn leerlingen gemotiveerd."]),
        "fr": (["ludification", "apprendre en jouant"],
               ["Je conçois des jeux de plateau et des quêtes pour que les élèves s'exercent en jouant.",
                "Points, niveaux et jeux de classe gardent mes élèves motivés."]),
        "pl": (["grywalizacja", "nauka przez gry"],
               ["Projektuję gry planszowe i questy, żeby uczniowie ćwiczyli podczas zabawy.",
                "Punkty, poziomy i gry klasowe motywują moich uczniów."]),
        "de": (["spielbasiertes Lernen", "Lernen mit Spielen"],
               ["Ich entwerfe Brettspiele und Rätselrallyes, damit die Schüler beim Spielen üben.",
                "Punkte, Levels und Klassenspiele halten meine Schüler motiviert."]),
        "sv": (["spelbaserat lärande", "lära genom spel"],
               ["Jag gör brädspel och uppdrag så att eleverna övar medan de spelar.",
                "Poäng, nivåer och klassrumsspel håller mina elever motiverade."]),
        "fi": (["pelillistäminen", "oppiminen pelien avulla"],
               ["Suunnittelen lautapelejä ja tehtäväratoja, jotta oppilaat harjoittelevat pelatessaan.",
                "Pisteet, tasot ja luokkapelit pitävät oppilaani motivoituneina."]),
        "et": (["mänguline õpe", "õppimine mängude kaudu"],
               ["Kujundan lauamänge ja ülesanderadu, et õpilased harjutaksid mängides.",
                "Punktid, tasemed ja klassimängud hoiavad mu õpilased motiveerituna."]),
    },
    "digital": {
        "en": (["digital tools", "tablets and online tools in class"],
               ["My pupils use tablets, online quizzes and shared documents in every lesson.",
                "I try out new apps and digital tools and share what works with colleagues."]),
        "nl": (["digitale middelen", "tablets en online tools in de klas"],
               ["Mijn leerlingen gebruiken in elke les tablets, online quizzen en gedeelde documenten.",
                "Ik probeer nieuwe apps en digitale hulpmiddelen uit en deel wat werkt met collega's."]),
        "fr": (["outils numériques", "tablettes et outils en ligne en classe"],
               ["Mes élèves utilisent des tablettes, des quiz en ligne et des documents partagés à chaque cours.",
                "J'essaie de nouvelles applications et de nouveaux outils numériques et je partage ce qui marche."]),
        "pl": (["narzędzia cyfrowe", "tablety i narzędzia online na lekcjach"],
               ["Moi uczniowie na każdej lekcji korzystają z tabletów, quizów online i wspólnych dokumentów.",
                "Testuję nowe aplikacje i narzędzia cyfrowe i dzielę się z kolegami tym, co działa."]),
        "de": (["digitale Medien", "Tablets und Online-Tools im Unterricht"],
               ["Meine Schüler nutzen in jeder Stunde Tablets, Online-Quiz und gemeinsame Dokumente.",
                "Ich probiere neue Apps und digitale Werkzeuge aus und teile, was funktioniert."]),
        "sv": (["digitala verktyg", "surfplattor och webbverktyg i klassrummet"],
               ["Mina elever använder surfplattor, onlinequiz och delade dokument på varje lektion.",
                "Jag testar nya appar och digitala verktyg och delar det som fungerar med kollegor."]),
        "fi": (["digitaaliset työkalut", "tabletit ja verkkotyökalut luokassa"],
               ["Oppilaani käyttävät joka tunnilla tabletteja, verkkovisoja ja jaettuja dokumentteja.",
                "Kokeilen uusia sovelluksia ja digitaalisia työkaluja ja jaan toimivat kollegoille."]),
        "et": (["digivahendid", "tahvelarvutid ja veebitööriistad tunnis"],
               ["Minu õpilased kasutavad igas tunnis tahvelarvuteid, veebiviktoriine ja jagatud dokumente.",
                "Proovin uusi rakendusi ja digivahendeid ning jagan kolleegidega seda, mis töötab."]),
    },
}  # fmt: skip

TEACH = {  # "I teach {subject} to {age}."
    "en": "I teach {subject} to {age}.", "nl": "Ik geef {subject} aan {age}.",
    "fr": "J'enseigne {subject} à {age}.", "pl": "Uczę przedmiotu {subject}: {age}.",
    "de": "Ich unterrichte {subject} für {age}.", "sv": "Jag undervisar i {subject} för {age}.",
    "fi": "Opetan {subject} {age}.", "et": "Õpetan ainet {subject}: {age}.",
}  # fmt: skip
AGE_WORDS = {
    "en": {"primary": "children of 6 to 12", "lower_secondary": "pupils of 12 to 15",
           "upper_secondary": "students of 15 to 18", "vocational": "vocational students"},
    "nl": {"primary": "kinderen van 6 tot 12", "lower_secondary": "leerlingen van 12 tot 15",
           "upper_secondary": "leerlingen van 15 tot 18", "vocational": "mbo-studenten"},
    "fr": {"primary": "des enfants de 6 à 12 ans", "lower_secondary": "des collégiens",
           "upper_secondary": "des lycéens", "vocational": "des élèves de lycée professionnel"},
    "pl": {"primary": "dzieci w wieku 6-12 lat", "lower_secondary": "uczniowie w wieku 12-15 lat",
           "upper_secondary": "licealiści", "vocational": "uczniowie technikum"},
    "de": {"primary": "Grundschulkinder", "lower_secondary": "Schüler der Sekundarstufe I",
           "upper_secondary": "Oberstufenschüler", "vocational": "Berufsschüler"},
    "sv": {"primary": "barn i lågstadiet", "lower_secondary": "elever i högstadiet",
           "upper_secondary": "gymnasieelever", "vocational": "yrkeselever"},
    "fi": {"primary": "alakoulun oppilaille", "lower_secondary": "yläkoulun oppilaille",
           "upper_secondary": "lukiolaisille", "vocational": "ammattikoulun opiskelijoille"},
    "et": {"primary": "algklasside lapsed", "lower_secondary": "põhikooli õpilased",
           "upper_secondary": "gümnaasiumi õpilased", "vocational": "kutsekooli õpilased"},
}  # fmt: skip
ASIDE = {  # a sentence about something else
    "en": ["I live near the sea and cycle to school.", "I also coordinate our school's Erasmus+ exchanges.",
           "After school I coach the chess club."],
    "nl": ["Ik woon vlak bij zee en fiets naar school.", "Ik coördineer ook de Erasmus+-uitwisselingen van onze school.",
           "Na school begeleid ik de schaakclub."],
    "fr": ["J'habite près de la mer et je vais à l'école à vélo.", "Je coordonne aussi les échanges Erasmus+ de l'école.",
           "Après les cours, j'anime le club d'échecs."],
    "pl": ["Mieszkam nad morzem i dojeżdżam do szkoły rowerem.", "Koordynuję też wymiany Erasmus+ w naszej szkole.",
           "Po lekcjach prowadzę kółko szachowe."],
    "de": ["Ich wohne am Meer und fahre mit dem Rad zur Schule.", "Ich koordiniere auch den Erasmus+-Austausch unserer Schule.",
           "Nach dem Unterricht leite ich die Schach-AG."],
    "sv": ["Jag bor nära havet och cyklar till skolan.", "Jag samordnar också skolans Erasmus+-utbyten.",
           "Efter skolan leder jag schackklubben."],
    "fi": ["Asun meren lähellä ja pyöräilen kouluun.", "Koordinoin myös koulumme Erasmus+-vaihtoja.",
           "Koulun jälkeen vedän shakkikerhoa."],
    "et": ["Elan mere ääres ja sõidan kooli rattaga.", "Koordineerin ka meie kooli Erasmus+ vahetusi.",
           "Pärast tunde juhendan malearingi."],
}  # fmt: skip


@dataclass
class Teacher:
    index: int
    country: str
    language: str  # the language the profile is written in
    profile: dict[str, Any]
    key: tuple[str, str, str]  # (subject, age group, theme)
    group: int | None  # planted group, None for a distractor
    # The themes the profile names or describes (the group's, a noise one; none at all for
    # some): what a perfect reader of the texts would know, for Q1's ceiling row.
    said: set[str] = field(default_factory=set)


def _teacher(rng: random.Random, index: int, key: tuple[str, str, str], group: int | None,
             country: str, knobs: Knobs) -> Teacher:  # fmt: skip
    subject, age, theme = key
    native, others = COUNTRIES[country]
    language = "en" if native != "en" and rng.random() < ENGLISH_SHARE else native
    spoken = [FIRST.get(country, native)]
    if rng.random() < 0.85:
        spoken.append("en")
    for other in others:
        if other != "en" and rng.random() < 0.25:
            spoken.append(other)
    subjects = [rng.choice(SUBJECTS[subject][language])]
    if rng.random() < knobs.second_subject:
        other = rng.choice([s for s in SUBJECTS if s != subject])
        subjects.append(rng.choice(SUBJECTS[other][language]))
    ages = [age]
    if rng.random() < knobs.second_age_group:
        position = AGES.index(age)
        ages.append(AGES[min(len(AGES) - 1, max(0, position + rng.choice([-1, 1])))])
    labels, sentences = THEMES[theme][language]
    interests, said = [], set()
    if rng.random() < knobs.theme_in_interests:
        interests.append(labels[0] if rng.random() < knobs.common_label else rng.choice(labels[1:]))
        said.add(theme)
    if rng.random() < knobs.second_theme:
        noise = rng.choice([t for t in THEMES if t != theme])
        interests.append(rng.choice(THEMES[noise][language][0]))
        said.add(noise)
    bio_parts = [TEACH[language].format(subject=subjects[0], age=AGE_WORDS[language][age])]
    if rng.random() < knobs.theme_in_bio:
        bio_parts.append(rng.choice(sentences))
        said.add(theme)
    if rng.random() < knobs.aside:
        bio_parts.append(rng.choice(ASIDE[language]))
    return Teacher(
        index=index,
        country=country,
        language=language,
        profile={
            "country": country,
            "subjects": subjects,
            "age_groups": list(dict.fromkeys(ages)),
            "languages": list(dict.fromkeys(spoken)),
            "interests": interests,
            "bio": " ".join(bio_parts),
            "discoverable": True,
            "visibility": {},
        },
        key=key,
        group=group,
        said=said,
    )


def population(
    seed: int, knobs: Knobs = Knobs(), group_size: int = 8, themes_per_pair: int = 3
) -> list[Teacher]:
    """Planted groups (every subject x age group pair gets ``themes_per_pair`` groups with
    different themes) plus as many distractors as group members."""
    rng = random.Random(seed)
    countries = list(COUNTRIES)
    teachers: list[Teacher] = []
    group_keys: set[tuple[str, str, str]] = set()
    group = 0
    for subject in SUBJECTS:
        for age in AGES:
            for theme in rng.sample(list(THEMES), themes_per_pair):
                key = (subject, age, theme)
                group_keys.add(key)
                for _ in range(group_size):
                    teachers.append(
                        _teacher(rng, len(teachers), key, group, rng.choice(countries), knobs)
                    )
                group += 1
    members = len(teachers)
    while len(teachers) < 2 * members:
        subject, age = rng.choice(list(SUBJECTS)), rng.choice(AGES)
        free = [t for t in THEMES if (subject, age, t) not in group_keys]
        key = (subject, age, rng.choice(free))
        teachers.append(_teacher(rng, len(teachers), key, None, rng.choice(countries), knobs))
    return teachers
