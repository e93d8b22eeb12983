"""Name material for the demo network: school names and people, per language.

Each school template is a pair (name in the original script, Latin transliteration),
filled with a town, a patron and a number. Languages written in Latin script give one
string used for both. Languages without templates here fall back to English, as many
ASPnet schools in multilingual countries carry English names.
"""

from __future__ import annotations

# level -> templates; {t} town, {p} patron, {n} number (local forms), {tl}/{pl} Latin forms.
Template = tuple[str, str]

_LATIN: dict[str, dict[str, list[str]]] = {
    "en": {
        "pre_primary": ["{t} Nursery School", "{p} Early Learning Centre", "Little Stars Kindergarten, {t}"],
        "primary": ["{t} Primary School", "{p} Primary School", "St. {p} Primary School", "{t} Community School"],
        "secondary": [
            "{t} High School",
            "{p} Secondary School",
            "{t} Girls' High School",
            "{t} Academy",
            "{p} College",
            "Government Secondary School {t}",
        ],
        "tvet": ["{t} Technical College", "{t} Polytechnic Institute", "{p} Vocational Training Centre"],
        "teacher_training": ["{t} College of Education", "{p} Teachers' College"],
    },
    "fr": {
        "pre_primary": ["École maternelle {p}", "École maternelle de {t}"],
        "primary": ["École primaire {p}", "École élémentaire de {t}", "Groupe scolaire {p}"],
        "secondary": ["Lycée {p}", "Collège {p}", "Lycée de {t}", "Collège d'enseignement général de {t}"],
        "tvet": ["Lycée professionnel {p}", "Centre de formation professionnelle de {t}", "Lycée technique de {t}"],
        "teacher_training": ["École normale supérieure de {t}", "Institut de formation des enseignants de {t}"],
    },
    "es": {
        "pre_primary": ["Jardín de Infantes {p}", "Escuela Infantil de {t}"],
        "primary": ["Escuela Primaria {p}", "Escuela {p}", "Colegio Público de {t}"],
        "secondary": ["Liceo {p}", "Colegio {p}", "Instituto de Educación Secundaria {p}", "Colegio Nacional de {t}"],
        "tvet": ["Instituto Técnico {p}", "Centro de Formación Profesional de {t}"],
        "teacher_training": ["Escuela Normal Superior de {t}", "Instituto de Formación Docente {p}"],
    },
    "pt": {
        "pre_primary": ["Escola de Educação Infantil {p}", "Jardim de Infância de {t}"],
        "primary": ["Escola Básica {p}", "Escola Primária de {t}"],
        "secondary": ["Escola Secundária {p}", "Colégio {p}", "Liceu de {t}"],
        "tvet": ["Escola Profissional de {t}", "Instituto Técnico {p}"],
        "teacher_training": ["Escola Normal de {t}", "Instituto de Formação de Professores {p}"],
    },
    "de": {
        "pre_primary": ["Kindergarten {p}", "Kita {t}"],
        "primary": ["Grundschule {t}", "{p}-Grundschule", "Volksschule {t}"],
        "secondary": ["{p}-Gymnasium", "Gymnasium {t}", "{p}-Realschule", "Gesamtschule {t}"],
        "tvet": ["Berufsbildende Schule {t}", "{p}-Berufskolleg"],
        "teacher_training": ["Pädagogische Hochschule {t}"],
    },
    "it": {
        "pre_primary": ["Scuola dell'infanzia {p}"],
        "primary": ["Scuola primaria {p}", "Istituto comprensivo di {t}"],
        "secondary": ["Liceo classico {p}", "Liceo scientifico {p}", "Istituto di istruzione superiore di {t}"],
        "tvet": ["Istituto tecnico {p}", "Istituto professionale di {t}"],
        "teacher_training": ["Istituto magistrale {p}"],
    },
    "nl": {
        "pre_primary": ["Peuterschool {t}"],
        "primary": ["Basisschool {p}", "Openbare Basisschool {t}"],
        "secondary": ["{p} College", "Lyceum {t}", "Scholengemeenschap {t}"],
        "tvet": ["ROC {t}"],
        "teacher_training": ["Pabo {t}"],
    },
}

_PATRONS_LATIN: dict[str, list[str]] = {
    "en": [
        "Nelson Mandela",
        "Wangari Maathai",
        "Kofi Annan",
        "Queen Elizabeth",
        "Martin Luther King",
        "Mary Seacole",
        "Julius Nyerere",
        "Kwame Nkrumah",
        "Rabindranath Tagore",
        "Helen Keller",
        "Marie Curie",
        "Abraham Lincoln",
        "St. Joseph",
        "St. Mary",
        "Holy Cross",
        "Mahatma Gandhi",
    ],
    "fr": [
        "Victor Hugo",
        "Jean Moulin",
        "Marie Curie",
        "Jules Ferry",
        "Albert Camus",
        "Léopold Sédar Senghor",
        "Aimé Césaire",
        "Simone Veil",
        "Louis Pasteur",
        "Jean Jaurès",
        "Montesquieu",
        "Voltaire",
        "Marcel Pagnol",
        "Thomas Sankara",
        "Mariama Bâ",
        "Jacques Prévert",
        "Saint-Exupéry",
    ],
    "es": [
        "Simón Bolívar",
        "José Martí",
        "Gabriela Mistral",
        "Benito Juárez",
        "Sor Juana Inés de la Cruz",
        "Miguel de Cervantes",
        "Pablo Neruda",
        "San Martín",
        "Rubén Darío",
        "Andrés Bello",
        "Juan Montalvo",
        "Domingo Faustino Sarmiento",
        "César Vallejo",
        "Eugenio María de Hostos",
    ],
    "pt": [
        "Paulo Freire",
        "Machado de Assis",
        "Luís de Camões",
        "Cecília Meireles",
        "Fernando Pessoa",
        "Agostinho Neto",
        "Amílcar Cabral",
        "Tiradentes",
        "Rui Barbosa",
    ],
    "de": [
        "Goethe",
        "Schiller",
        "Humboldt",
        "Albert Einstein",
        "Sophie Scholl",
        "Anne Frank",
        "Lessing",
        "Beethoven",
        "Kepler",
        "Bertha von Suttner",
        "Pestalozzi",
    ],
    "it": [
        "Dante Alighieri",
        "Galileo Galilei",
        "Maria Montessori",
        "Leonardo da Vinci",
        "Giuseppe Garibaldi",
        "Alessandro Manzoni",
        "Enrico Fermi",
        "Rita Levi-Montalcini",
    ],
    "nl": ["Erasmus", "Spinoza", "Anne Frank", "Vincent van Gogh", "Rembrandt", "Multatuli"],
}

_NONLATIN: dict[str, dict[str, list[Template]]] = {
    "ar": {
        "pre_primary": [("روضة {p}", "Rawdat {pl}"), ("روضة أطفال {t}", "Rawdat Atfal {tl}")],
        "primary": [
            ("مدرسة {p} الابتدائية", "Madrasat {pl} al-Ibtidaiya"),
            ("مدرسة {t} الابتدائية", "Madrasat {tl} al-Ibtidaiya"),
        ],
        "secondary": [
            ("ثانوية {p}", "Thanawiyat {pl}"),
            ("مدرسة {p} الثانوية", "Madrasat {pl} al-Thanawiya"),
            ("إعدادية {t}", "Idadiyat {tl}"),
        ],
        "tvet": [
            ("المعهد الفني في {t}", "Al-Mahad al-Fanni fi {tl}"),
            ("مدرسة {t} الصناعية", "Madrasat {tl} al-Sinaiya"),
        ],
        "teacher_training": [("دار المعلمين في {t}", "Dar al-Muallimin fi {tl}")],
    },
    "ru": {
        "pre_primary": [("Детский сад № {n} г. {t}", "Detskiy sad No. {n} g. {tl}")],
        "primary": [("Начальная школа № {n} г. {t}", "Nachalnaya shkola No. {n} g. {tl}")],
        "secondary": [
            ("Средняя школа № {n} г. {t}", "Srednyaya shkola No. {n} g. {tl}"),
            ("Гимназия № {n} г. {t}", "Gimnaziya No. {n} g. {tl}"),
            ("Лицей имени {p}", "Litsey imeni {pl}"),
        ],
        "tvet": [("Технический колледж г. {t}", "Tekhnicheskiy kolledzh g. {tl}")],
        "teacher_training": [("Педагогический колледж г. {t}", "Pedagogicheskiy kolledzh g. {tl}")],
    },
    "zh": {
        "pre_primary": [("{t}市实验幼儿园", "{tl} Shi Shiyan Youeryuan")],
        "primary": [("{t}市第{n}小学", "{tl} Shi Di-{n} Xiaoxue"), ("{t}实验小学", "{tl} Shiyan Xiaoxue")],
        "secondary": [("{t}市第{n}中学", "{tl} Shi Di-{n} Zhongxue"), ("{t}外国语学校", "{tl} Waiguoyu Xuexiao")],
        "tvet": [("{t}职业技术学校", "{tl} Zhiye Jishu Xuexiao")],
        "teacher_training": [("{t}师范学校", "{tl} Shifan Xuexiao")],
    },
    "ja": {
        "pre_primary": [("{t}市立幼稚園", "{tl} Shiritsu Yochien")],
        "primary": [("{t}市立第{n}小学校", "{tl} Shiritsu Dai-{n} Shogakko")],
        "secondary": [("{t}市立第{n}中学校", "{tl} Shiritsu Dai-{n} Chugakko"), ("{t}高等学校", "{tl} Koto Gakko")],
        "tvet": [("{t}工業高等学校", "{tl} Kogyo Koto Gakko")],
        "teacher_training": [("{t}教育大学附属学校", "{tl} Kyoiku Daigaku Fuzoku Gakko")],
    },
    "ko": {
        "pre_primary": [("{t}유치원", "{tl} Yuchiwon")],
        "primary": [("{t}초등학교", "{tl} Chodeung Hakgyo")],
        "secondary": [("{t}중학교", "{tl} Jung Hakgyo"), ("{t}고등학교", "{tl} Godeung Hakgyo")],
        "tvet": [("{t}공업고등학교", "{tl} Gongeop Godeung Hakgyo")],
        "teacher_training": [("{t}교육대학교", "{tl} Gyoyuk Daehakgyo")],
    },
    "el": {
        "pre_primary": [("{n}ο Νηπιαγωγείο {t}", "{n}o Nipiagogeio {tl}")],
        "primary": [("{n}ο Δημοτικό Σχολείο {t}", "{n}o Dimotiko Scholeio {tl}")],
        "secondary": [("{n}ο Γυμνάσιο {t}", "{n}o Gymnasio {tl}"), ("{n}ο Λύκειο {t}", "{n}o Lykeio {tl}")],
        "tvet": [("ΕΠΑΛ {t}", "EPAL {tl}")],
        "teacher_training": [("Παιδαγωγική Ακαδημία {t}", "Paidagogiki Akadimia {tl}")],
    },
    "hi": {
        "pre_primary": [("बाल विद्यालय {t}", "Bal Vidyalaya {tl}")],
        "primary": [("राजकीय प्राथमिक विद्यालय {t}", "Rajkiya Prathmik Vidyalaya {tl}")],
        "secondary": [
            ("केन्द्रीय विद्यालय {t}", "Kendriya Vidyalaya {tl}"),
            ("राजकीय उच्च विद्यालय {t}", "Rajkiya Uchch Vidyalaya {tl}"),
        ],
        "tvet": [("औद्योगिक प्रशिक्षण संस्थान {t}", "Audyogik Prashikshan Sansthan {tl}")],
        "teacher_training": [("शिक्षक प्रशिक्षण महाविद्यालय {t}", "Shikshak Prashikshan Mahavidyalaya {tl}")],
    },
    "th": {
        "pre_primary": [("โรงเรียนอนุบาล{t}", "Rongrian Anuban {tl}")],
        "primary": [("โรงเรียนบ้าน{t}", "Rongrian Ban {tl}")],
        "secondary": [("โรงเรียน{t}วิทยาคม", "Rongrian {tl} Witthayakhom")],
        "tvet": [("วิทยาลัยเทคนิค{t}", "Witthayalai Technic {tl}")],
        "teacher_training": [("วิทยาลัยครู{t}", "Witthayalai Khru {tl}")],
    },
}

_PATRONS_NONLATIN: dict[str, list[Template]] = {
    "ar": [
        ("ابن خلدون", "Ibn Khaldun"),
        ("ابن سينا", "Ibn Sina"),
        ("الفارابي", "al-Farabi"),
        ("طه حسين", "Taha Hussein"),
        ("ابن رشد", "Ibn Rushd"),
        ("الخوارزمي", "al-Khwarizmi"),
        ("جبران خليل جبران", "Gibran Khalil Gibran"),
        ("عمر بن الخطاب", "Omar ibn al-Khattab"),
        ("الإدريسي", "al-Idrisi"),
    ],
    "ru": [
        ("А. С. Пушкина", "A. S. Pushkina"),
        ("Л. Н. Толстого", "L. N. Tolstogo"),
        ("М. В. Ломоносова", "M. V. Lomonosova"),
        ("Д. И. Менделеева", "D. I. Mendeleeva"),
        ("Ю. А. Гагарина", "Yu. A. Gagarina"),
    ],
}

# Coordinator names: (first names, last names) per language, Latin or (local, Latin) pairs.
_PEOPLE_LATIN: dict[str, tuple[list[str], list[str]]] = {
    "en": (
        ["Grace", "John", "Amina", "David", "Sarah", "Peter", "Joyce", "Samuel", "Ruth", "Michael", "Esther", "Daniel"],
        [
            "Okafor",
            "Smith",
            "Mensah",
            "Banda",
            "Brown",
            "Mwangi",
            "Wilson",
            "Phiri",
            "Taylor",
            "Singh",
            "Campbell",
            "Ndlovu",
        ],
    ),
    "fr": (
        [
            "Marie",
            "Jean",
            "Aïcha",
            "Pierre",
            "Fatou",
            "Claire",
            "Moussa",
            "Sophie",
            "Luc",
            "Awa",
            "Nathalie",
            "Olivier",
        ],
        [
            "Martin",
            "Diallo",
            "Bernard",
            "Traoré",
            "Dubois",
            "Koné",
            "Lefèvre",
            "Ndiaye",
            "Moreau",
            "Sow",
            "Girard",
            "Kaboré",
        ],
    ),
    "es": (
        ["María", "José", "Lucía", "Carlos", "Ana", "Juan", "Valentina", "Diego", "Carmen", "Luis", "Isabel", "Andrés"],
        [
            "García",
            "Rodríguez",
            "Martínez",
            "López",
            "González",
            "Pérez",
            "Sánchez",
            "Ramírez",
            "Torres",
            "Flores",
            "Rivera",
            "Gómez",
        ],
    ),
    "pt": (
        ["Ana", "João", "Maria", "Pedro", "Beatriz", "Rafael"],
        ["Silva", "Santos", "Oliveira", "Costa", "Pereira", "Fernandes"],
    ),
    "de": (
        ["Anna", "Lukas", "Julia", "Felix", "Katharina", "Jonas"],
        ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner"],
    ),
    "it": (
        ["Giulia", "Marco", "Francesca", "Luca", "Chiara", "Matteo"],
        ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"],
    ),
    "nl": (["Emma", "Daan", "Sanne", "Jeroen"], ["de Jong", "Jansen", "de Vries", "Bakker"]),
}
_PEOPLE_NONLATIN: dict[str, tuple[list[Template], list[Template]]] = {
    "ar": (
        [
            ("فاطمة", "Fatima"),
            ("محمد", "Mohamed"),
            ("ليلى", "Leila"),
            ("أحمد", "Ahmed"),
            ("مريم", "Mariam"),
            ("يوسف", "Youssef"),
        ],
        [
            ("الحسن", "El Hassan"),
            ("منصور", "Mansour"),
            ("حداد", "Haddad"),
            ("الأمين", "El Amine"),
            ("خليل", "Khalil"),
            ("سعيد", "Said"),
        ],
    ),
    "ru": (
        [("Анна", "Anna"), ("Сергей", "Sergey"), ("Елена", "Elena"), ("Дмитрий", "Dmitry")],
        [("Иванова", "Ivanova"), ("Смирнов", "Smirnov"), ("Кузнецова", "Kuznetsova"), ("Попов", "Popov")],
    ),
    "zh": (
        [("丽", "Li"), ("伟", "Wei"), ("芳", "Fang"), ("军", "Jun")],
        [("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu")],
    ),
    "ja": (
        [("陽子", "Yoko"), ("健", "Ken"), ("由美", "Yumi"), ("誠", "Makoto")],
        [("佐藤", "Sato"), ("鈴木", "Suzuki"), ("高橋", "Takahashi"), ("田中", "Tanaka")],
    ),
    "ko": (
        [("지영", "Ji-young"), ("민준", "Min-jun"), ("서연", "Seo-yeon")],
        [("김", "Kim"), ("이", "Lee"), ("박", "Park")],
    ),
    "el": (
        [("Μαρία", "Maria"), ("Γιώργος", "Giorgos"), ("Ελένη", "Eleni")],
        [("Παπαδοπούλου", "Papadopoulou"), ("Οικονόμου", "Oikonomou")],
    ),
}

# Script each template language is written in (a country's script must match to use it).
TEMPLATE_SCRIPTS: dict[str, set[str]] = {
    "ar": {"Arab"},
    "ru": {"Cyrl"},
    "zh": {"Hans", "Hant"},
    "ja": {"Jpan"},
    "ko": {"Kore"},
    "el": {"Grek"},
    "hi": {"Deva"},
    "th": {"Thai"},
}


def school_templates(language: str, script: str) -> tuple[str, dict[str, list[Template]], list[Template]]:
    """The template language used for a country, its level templates and patrons."""
    if language in _NONLATIN and script in TEMPLATE_SCRIPTS.get(language, set()):
        patrons = _PATRONS_NONLATIN.get(language) or [("", "")]
        return language, _NONLATIN[language], patrons
    if script in ("Cyrl",) and language != "ru":
        # Other Cyrillic-script countries: Russian-style templates read naturally enough.
        return "ru", _NONLATIN["ru"], _PATRONS_NONLATIN["ru"]
    lang = language if language in _LATIN else "en"
    templates = {level: [(t, t) for t in items] for level, items in _LATIN[lang].items()}
    return lang, templates, [(p, p) for p in _PATRONS_LATIN[lang]]


def people(language: str) -> tuple[list[Template], list[Template]]:
    """(first names, last names) as (local, Latin) pairs for a language."""
    if language in _PEOPLE_NONLATIN:
        return _PEOPLE_NONLATIN[language]
    first, last = _PEOPLE_LATIN.get(language, _PEOPLE_LATIN["en"])
    return [(n, n) for n in first], [(n, n) for n in last]


NATIONAL_COMMISSION = {
    "en": "{country} National Commission for UNESCO",
    "fr": "Commission nationale pour l'UNESCO ({country})",
    "es": "Comisión Nacional para la UNESCO ({country})",
}
