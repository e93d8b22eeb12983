"""The demo's message board: channels, threads that read like real conversations, reads.

Each thread follows one topic: an opening message, replies that answer it and, often, the
opener's last word. A thread is written in one language, by coordinators who speak it
and may read the channel: mostly English, French and Spanish where networks speak them
(the Africa and Latin America channels above all). Threads start over the eight months
before the demo's date, replies follow hours to days later, and nothing is dated after
it. Every coordinator has read each channel up to some day of the last weeks, so a few
recent messages are unread, as on a board people use.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from .certificates import MONTHS  # the month names a date is written with, per language

# Where a topic fits: the all-coordinators channel, a regional one, the two topical ones,
# a project's channel.
ALL, REGION, CLIMATE, HERITAGE, PROJECT = "all", "region", "climate-education", "heritage-learning", "project"
THREAD_SPAN = timedelta(days=240)


@dataclass(frozen=True)
class Topic:
    """A conversation: ``{month}`` is a month after its opening (in its language),
    ``{project}`` the project's title, ``{author}`` the opener's user name (a mention)."""

    language: str
    channels: frozenset[str]
    opening: str
    replies: tuple[str, ...]
    closing: str = ""  # the opener's last word, once others have answered
    secretariat: bool = False  # opened by UNESCO staff


def _topic(
    language: str,
    channels: tuple[str, ...],
    opening: str,
    replies: tuple[str, ...],
    closing: str = "",
    secretariat: bool = False,
) -> Topic:
    return Topic(language, frozenset(channels), opening, replies, closing, secretariat)


TOPICS: tuple[Topic, ...] = (
    # -- English ------------------------------------------------------------------------
    _topic(
        "en",
        (ALL, REGION),
        "Dear colleagues, our national ASPnet meeting will take place in {month}. We would like to invite "
        "two or three networks to present a project online. Who would be interested?",
        (
            "We would be glad to present our school gardens project. Would 15 minutes be enough?",
            "Count us in. Our Sandwatch schools made a short film they could show.",
            "Will the session be recorded? Our teachers are in class at that time.",
            "@{author} thank you for the invitation. I will ask our schools and come back to you this week.",
            "Interested too. Which platform will you use?",
        ),
        "Thank you all! I will send the programme and the link by email in the coming days.",
    ),
    _topic(
        "en",
        (ALL, HERITAGE),
        "Is anyone looking for partner schools for a heritage exchange next term? Our secondary schools would "
        "like to compare local crafts, and the stories behind them, with pupils abroad.",
        (
            "Yes, three of our secondary schools are interested. I will send you their contacts.",
            "We ran a similar exchange on oral traditions last year and can share our lesson plans.",
            "Our schools would prefer to start in {month}, after the exams. Would that work for you?",
            "@{author} how many pupils per school are you thinking of? We would pair classes of the same age.",
        ),
        "Wonderful, thank you. I will put the schools in touch and share a short plan.",
    ),
    _topic(
        "en",
        (ALL, CLIMATE),
        "We have translated the whole-school climate action toolkit into our national language. Happy to share "
        "the files with any network that needs them.",
        (
            "Thank you! Could you send them to our National Commission? Several of our schools asked for it.",
            "Very useful. Is there a version for primary schools?",
            "We did the same last year: comparing our two translations might help both of us.",
            "Great work. Did you adapt the examples to your country, or keep the original ones?",
        ),
        "The files are in the shared folder now; the primary version follows in {month}.",
    ),
    _topic(
        "en",
        (ALL,),
        "Reminder: the annual ASPnet survey closes at the end of {month}. Thank you to the networks that have "
        "already sent their reports.",
        (
            "Ours is submitted. The new form was much quicker to fill in this year.",
            "Could we have one more week? Our schools are on holiday until the end of the month.",
            "Is the survey also available in French? Two of our schools would find it easier.",
            "Done for our network. Where can we find last year's summary?",
        ),
        "Thank you. An extra week is fine, and the French and Spanish versions are in the same folder as the "
        "English one.",
        secretariat=True,
    ),
    _topic(
        "en",
        (ALL, REGION),
        "Please check your network's contact details in the Atlas before the end of {month}: the National "
        "Commission, the coordinator's email and the website.",
        (
            "Updated, thank you for the reminder.",
            "Our coordinator's email has changed; I have corrected it in the profile.",
            "Done. The bulk update file made it easy to correct our schools' addresses too.",
        ),
        "Thank you all for keeping your network's information up to date.",
        secretariat=True,
    ),
    _topic(
        "en",
        (ALL, REGION),
        "Hello everyone, I have just taken over as my country's National Coordinator. I look forward to "
        "working with you and learning from your networks.",
        (
            "Welcome! Do not hesitate to ask if you need anything.",
            "Welcome to the network. The regional meeting in {month} is a good place to meet everyone.",
            "Welcome! Our network went through the same handover last year; happy to share what helped us.",
            "@{author} welcome. The coordinators' guide on the ASPnet website is a good place to start.",
        ),
        "Thank you for the warm welcome!",
    ),
    _topic(
        "en",
        (ALL, REGION),
        "We are organising a webinar on global citizenship education for teachers in {month}. All coordinators "
        "are welcome to join and to share it with their schools.",
        (
            "Thank you, I have shared it with our schools.",
            "Will there be interpretation into French?",
            "Could you share the slides afterwards? The time is difficult for our region.",
            "We would like to contribute a short example from our peace education clubs.",
        ),
        "The slides and the recording will be posted here after the webinar.",
    ),
    _topic(
        "en",
        (ALL,),
        "Our schools would like to make a joint video for the next International Day of Peace, on 21 September. "
        "Would other networks like their schools to take part?",
        (
            "Yes! We would love to take part.",
            "Lovely idea. Which tool will you use to put the school clips together?",
            "Our schools hold a peace walk on that day; a joint video would be a nice addition.",
            "@{author} count us in. Should each school send one clip?",
        ),
        "Thank you. I will open a project space so that schools can sign up.",
    ),
    _topic(
        "en",
        (REGION,),
        "A question for the region: does any network run a training for new ASPnet schools? We are planning an "
        "induction session for {month}.",
        (
            "We hold a one-day workshop each year for new schools: the network's history, the themes and how to "
            "report.",
            "Ours is online, in three short sessions. I can send you the outline.",
            "It would be great to plan a regional session together next year.",
        ),
        "Thank you, I will share our programme once it is ready.",
    ),
    _topic(
        "en",
        (ALL, REGION),
        "Has any network organised a teacher exchange between ASPnet schools? We would like to send two "
        "teachers abroad for a week in {month}.",
        (
            "We did it with a neighbouring country last year; the two National Commissions shared the travel costs.",
            "Our schools could host two teachers. Which subjects do they teach?",
            "@{author} an online exchange could be a first step: our teachers started that way.",
            "Plan the visit outside the exam periods; that was our main difficulty.",
        ),
        "Thank you for the advice. I will write to the schools that offered to host.",
    ),
    _topic(
        "en",
        (ALL, REGION),
        "We are preparing our national ASPnet award for schools. How do other networks choose the winners?",
        (
            "A jury of teachers, someone from the National Commission and a former pupil. Each school sends a "
            "two-page report.",
            "We award one school per priority theme, so that the smaller schools have a chance too.",
            "Our prize is a visit to a partner school abroad. It motivates the pupils a lot.",
            "@{author} could you share your criteria once they are ready? We would like to start an award too.",
        ),
        "Thank you. I will post our criteria here once the jury has approved them.",
    ),
    _topic(
        "en",
        (ALL, REGION),
        "Several schools would like to join our network this year. What do you ask of a school before "
        "recommending its application?",
        (
            "A letter from the head teacher, and one project already done on a priority theme.",
            "We visit each school first, or meet online when it is far away.",
            "We ask for a named focal point teacher; it makes the follow-up much easier.",
            "The application form in the Atlas covers most of it. We only add a short interview.",
        ),
        "Very helpful, thank you. We will add the focal point and the interview to our checklist.",
    ),
    _topic(
        "en",
        (CLIMATE,),
        "Our schools are preparing a climate action week. Does anyone have activities that work well with "
        "primary pupils?",
        (
            "Our pupils measured the school's energy use for a month and presented the results to the parents. "
            "Happy to share the worksheet.",
            "Mapping shade and heat around the school grounds worked well for us with eight-year-olds.",
            "We used the UNESCO guide for climate-ready schools; the chapter on the whole-school approach was the "
            "most useful.",
            "Planting trees with a local association gave the week a lasting result.",
        ),
        "Thank you, these are great ideas. We will try the energy survey and the map of the school grounds.",
    ),
    _topic(
        "en",
        (CLIMATE,),
        "Has any network measured the carbon footprint of its schools? We are looking for a simple method that "
        "teachers can use with their classes.",
        (
            "We used a calculator made by a university in our country; I can ask whether there is an English version.",
            "Start with electricity, heating and travel to school: that covers most of it, and pupils can collect "
            "the data themselves.",
            "Our secondary schools did it as a mathematics project. The results surprised everyone.",
            "@{author} we have a short guide for teachers from that work; I will send it to you.",
        ),
        "Thank you. We will start with those three and report back here.",
    ),
    _topic(
        "en",
        (HERITAGE,),
        "We are starting a project on intangible heritage with our technical and vocational schools. Has any "
        "network worked with craft traditions in class?",
        (
            "Yes: our TVET schools invited local weavers for a term, and the pupils filmed each step.",
            "We worked with our national heritage institute; they have a guide for teachers on safeguarding "
            "traditions.",
            "Interesting. Could our schools join? They have carpentry and pottery workshops.",
            "@{author} our lesson plans on traditional music might fit too. I will send them.",
        ),
        "Thank you all. I will gather the materials and propose a first online meeting in {month}.",
    ),
    _topic(
        "en",
        (HERITAGE,),
        "Our pupils are preparing a guided tour of a World Heritage site near their school. Has anyone had "
        "pupils lead a tour, and how did you prepare them?",
        (
            "Our pupils first spent two afternoons with the site's guides. It gave them confidence.",
            "Each class prepared one stop of the tour, and the parents were the first visitors.",
            "Ask the site manager early: our visit needed a permit.",
            "We recorded the tour as a podcast, so that other schools can listen to it.",
        ),
        "Thank you, very helpful. The tour is planned for {month}.",
    ),
    _topic(
        "en",
        (HERITAGE,),
        "Our network is collecting traditional children's games from each region of the country, to teach them "
        "in physical education classes. Would other networks like to add games from their countries?",
        (
            "What a lovely idea. Our primary schools could film three or four games.",
            "We did this with grandparents visiting the classes; the pupils loved it.",
            "@{author} could the collection be shared under an open licence, so that schools can print it?",
            "Count us in. Do you need the rules written down in English?",
        ),
        "Thank you all! Short written rules in English or French are perfect; a video is a bonus.",
    ),
    _topic(
        "en",
        (HERITAGE,),
        "Has anyone taught about a site on the List of World Heritage in Danger? Our secondary teachers would "
        "like material that does not leave the pupils discouraged.",
        (
            "We focus on the people who protect the site: a ranger came to our school, and the pupils wrote to the "
            "site managers.",
            "The World Heritage in Young Hands kit has a chapter on this.",
            "Our pupils made a small exhibition on how the site could be saved. Ending with actions helps.",
        ),
        "Thank you. We will build the unit around the people who protect the site.",
    ),
    _topic(
        "en",
        (HERITAGE,),
        "Our schools would like to run a project on the languages spoken by pupils' families. Has anyone "
        "involved parents who speak other languages at home?",
        (
            "Yes: parents read the same story in their own language, one each week. It brought many families into "
            "the school.",
            "We made a multilingual picture dictionary with the pupils.",
            "@{author} our lesson plan on greetings in twenty languages could be a start; I will send it.",
        ),
        "Thank you for these ideas. We will start with the weekly story.",
    ),
    _topic(
        "en",
        (CLIMATE,),
        "Our secondary schools would like to set up weather stations and share the data with schools in other "
        "climates. Is anyone interested?",
        (
            "Yes, two of our schools already have stations and would love partners.",
            "Which equipment are you using? We are looking for something affordable.",
            "@{author} our pupils could compare rainfall with yours; our rainy seasons are very different.",
            "Interested. Could the data go into a shared spreadsheet each month?",
        ),
        "Great! I will set up the shared spreadsheet and send a short guide to the stations.",
    ),
    _topic(
        "en",
        (CLIMATE,),
        "We are writing a school policy on reducing waste in the canteen. Does any network have a model we "
        "could adapt?",
        (
            "Ours is one page: a week of measuring the waste, then goals set by a pupils' committee.",
            "Involving the cooks from the start made the difference for us.",
            "We can share the policy of our pilot school, translated into English.",
        ),
        "Thank you. We will start with the week of measuring.",
    ),
    _topic(
        "en",
        (CLIMATE,),
        "How do your schools talk about climate change with younger pupils without making them anxious?",
        (
            "We start from nature close to the school, and always end with something the class can do.",
            "Stories work better than figures at that age.",
            "Our teachers had a short training with a psychologist; I can share the slides.",
            "@{author} the UNESCO guide for teachers has a good section on this.",
        ),
        "Thank you, very helpful. The slides would be welcome for our primary teachers.",
    ),
    _topic(
        "en",
        (PROJECT,),
        "A reminder for {project}: the mid-term report is due at the end of {month}. One page per school is "
        "enough: what the pupils did and what they learned.",
        (
            "Thank you for the reminder. Ours is almost ready.",
            "Can the report be in French?",
            "Could we add the pupils' drawings to the report?",
        ),
        "Yes to both: French is fine, and drawings are very welcome.",
    ),
    _topic(
        "en",
        (PROJECT,),
        "Welcome to the schools that joined {project} this term! Please introduce your school here in a few lines.",
        (
            "Hello from our school: 450 pupils, and a science club that will lead the project.",
            "Thank you for the welcome. Our pupils are very excited to start.",
            "Greetings from a primary school by the sea. Our classes will work on the coast.",
        ),
        "Wonderful to have you all. The first online meeting is in {month}.",
    ),
    _topic(
        "en",
        (PROJECT,),
        "Our schools have uploaded their first observations for {project}. Please add yours before the end of "
        "{month}, so that we can compare them at the next online meeting.",
        (
            "Our pupils finished theirs last week; uploading today.",
            "Can we share photos as well, or only the data sheet?",
            "Two of our schools are late because of the holidays; they will send theirs soon.",
            "@{author} the upload form did not accept our spreadsheet. Is there a size limit?",
        ),
        "Photos are welcome. Spreadsheets up to 10 MB go through; send me larger ones by email.",
    ),
    _topic(
        "en",
        (PROJECT,),
        "Proposal for the next online meeting of {project}: each school presents one result in five minutes, "
        "then we choose the theme for next term. Would {month} suit everyone?",
        (
            "{month} is fine for us. One of our schools would like to present.",
            "Could we avoid the first week? Our schools have exams.",
            "Good idea. Could the pupils present, rather than the teachers?",
        ),
        "Thank you. The meeting will be in the second half of {month}, with the pupils presenting.",
    ),
    # -- French -------------------------------------------------------------------------
    _topic(
        "fr",
        (ALL, REGION, CLIMATE),
        "Chers collègues, nous cherchons des écoles partenaires pour un projet sur la protection des océans "
        "avec des classes de collège. Qui serait intéressé ?",
        (
            "Bonjour, deux de nos écoles seraient ravies de participer. Je vous envoie leurs coordonnées.",
            "Excellente idée. Nous avons un guide pédagogique sur la protection du littoral à partager.",
            "Avez-vous prévu un calendrier ? Nos écoles reprennent les cours en {month}.",
            "@{author} nos élèves ont déjà travaillé sur les déchets plastiques : ce projet tombe à pic.",
        ),
        "Merci à tous ! Je prépare un calendrier et je reviens vers vous très vite.",
    ),
    _topic(
        "fr",
        (ALL, REGION),
        "Bonjour à tous, notre réSEAU national organise un webinaire sur l'éducation à la citoyenneté mondiale "
        "en {month}. Les enseignants de vos écoles sont les bienvenus.",
        (
            "Merci pour l'invitation, je transmets l'information à nos enseignants.",
            "Le webinaire sera-t-il enregistré ? Le créneau est difficile pour nos écoles.",
            "Nous participerons avec trois écoles. Faut-il s'inscrire à l'avance ?",
        ),
        "L'inscription n'est pas obligatoire. L'enregistrement sera partagé ici après la séance.",
    ),
    _topic(
        "fr",
        (ALL, HERITAGE),
        "Nos écoles préparent une exposition sur le patrimoine immatériel de leur région : contes, chants et "
        "savoir-faire. Quelqu'un a-t-il déjà monté un projet semblable ?",
        (
            "Oui, nos élèves ont enregistré les récits des anciens du village. Je peux vous envoyer la démarche.",
            "Très belle initiative. Pensez à demander l'accord des familles pour les enregistrements.",
            "Nous avons travaillé avec notre commission nationale pour l'UNESCO, qui a prêté des panneaux pour "
            "l'exposition.",
            "@{author} pourrions-nous associer deux de nos écoles à l'exposition ?",
        ),
        "Merci pour vos conseils ! L'exposition ouvrira en {month}.",
    ),
    _topic(
        "fr",
        (ALL, REGION),
        "Quelqu'un a-t-il un modèle de rapport annuel pour les écoles du réSEAU ? Nous voudrions simplifier "
        "celui que nous utilisons.",
        (
            "Nous utilisons un formulaire en ligne de deux pages ; je vous l'envoie.",
            "Le nôtre suit les trois thèmes prioritaires, avec une page par thème. Les écoles le trouvent clair.",
            "@{author} bonne question, nous cherchons aussi à alléger le nôtre.",
        ),
        "Merci beaucoup, je vais m'en inspirer pour la version de cette année.",
    ),
    _topic(
        "fr",
        (ALL, REGION),
        "Bonjour à tous, je viens de reprendre la coordination nationale du réSEAU dans mon pays. Au plaisir "
        "de travailler avec vous !",
        (
            "Bienvenue ! N'hésitez pas si vous avez des questions.",
            "Bienvenue dans le réseau. La réunion régionale prévue en {month} sera l'occasion de faire connaissance.",
            "@{author} bienvenue ! Le guide des coordinateurs sur le site du réSEAU est un bon point de départ.",
        ),
        "Merci à tous pour votre accueil !",
    ),
    _topic(
        "fr",
        (ALL, REGION),
        "Nous organisons une formation pour les nouvelles écoles du réSEAU en {month}. Comment accueillez-vous "
        "les écoles qui rejoignent votre réseau ?",
        (
            "Nous organisons une journée d'accueil chaque année : l'histoire du réseau, les thèmes prioritaires et "
            "les rapports.",
            "Chez nous, une école plus ancienne parraine chaque nouvelle école pendant un an.",
            "@{author} pourriez-vous partager le programme ? Il nous serait très utile.",
        ),
        "Avec plaisir, je le publierai ici dès qu'il sera prêt.",
    ),
    _topic(
        "fr",
        (HERITAGE,),
        "Nos élèves préparent la visite guidée d'un site du patrimoine mondial proche de l'école. Comment "
        "avez-vous préparé vos élèves à guider des visiteurs ?",
        (
            "Nos élèves ont d'abord passé deux après-midi avec les guides du site.",
            "Chaque classe a préparé une étape de la visite ; les parents ont été les premiers visiteurs.",
            "Pensez à prévenir le gestionnaire du site à l'avance : il nous a fallu une autorisation.",
        ),
        "Merci, c'est très utile. La visite est prévue en {month}.",
    ),
    _topic(
        "fr",
        (CLIMATE,),
        "Nos écoles participent à une semaine d'action pour le climat en {month}. Avez-vous des idées "
        "d'activités pour les élèves du primaire ?",
        (
            "Nos élèves ont relevé la consommation d'électricité de l'école pendant un mois : c'était très parlant.",
            "Un potager scolaire a bien fonctionné chez nous, les élèves s'en occupent toute l'année.",
            "Nous avons organisé une journée sans voiture avec les parents.",
        ),
        "Merci pour ces idées, nous allons essayer le relevé d'électricité.",
    ),
    _topic(
        "fr",
        (PROJECT,),
        "Les écoles de notre réSEAU ont terminé la première étape de {project}. Pouvez-vous partager vos "
        "résultats d'ici fin {month} ?",
        (
            "Les nôtres seront prêts la semaine prochaine.",
            "Peut-on envoyer des photos en plus du tableau de résultats ?",
            "Une de nos écoles a pris du retard, elle enverra ses résultats un peu plus tard.",
        ),
        "Les photos sont les bienvenues. Merci à tous !",
    ),
    # -- Spanish ------------------------------------------------------------------------
    _topic(
        "es",
        (ALL, REGION, CLIMATE),
        "Estimados colegas, compartimos la guía de huertos escolares que preparamos este año con nuestras "
        "escuelas asociadas.",
        (
            "¡Muchas gracias! La compartiremos con nuestras escuelas.",
            "¿Existe también una versión para escuelas primarias?",
            "Muy útil. Nosotros tenemos fichas sobre compostaje que podrían completarla.",
            "@{author} ¿podemos traducir algunas partes para nuestras escuelas bilingües?",
        ),
        "Claro que sí. La versión para primaria estará lista en {month}.",
    ),
    _topic(
        "es",
        (ALL, HERITAGE),
        "¿Alguna red trabaja en patrimonio inmaterial con escuelas técnicas? Buscamos experiencias sobre "
        "oficios tradicionales.",
        (
            "Sí, nuestras escuelas técnicas trabajan con artesanos textiles desde hace dos años.",
            "Tenemos una guía para docentes sobre la salvaguardia del patrimonio vivo; se la envío.",
            "Nos interesa mucho. ¿Podríamos organizar una reunión virtual en {month}?",
        ),
        "Gracias a todos. Propondré una fecha para la reunión.",
    ),
    _topic(
        "es",
        (ALL, REGION),
        "Encuentro regional de la redPEA: proponemos reunirnos en línea en {month} para compartir los proyectos "
        "del año. ¿Qué redes quieren presentar?",
        (
            "Con gusto presentaremos nuestro proyecto sobre el agua.",
            "Cuenten con nosotros. ¿Cuánto tiempo tendrá cada presentación?",
            "¿Habrá interpretación al inglés para las redes del Caribe?",
            "@{author} nuestra red propone un taller sobre educación para la paz.",
        ),
        "Cada red tendrá diez minutos. Enviaré el programa la próxima semana.",
    ),
    _topic(
        "es",
        (ALL, REGION),
        "Hola a todos, acabo de asumir la coordinación nacional de la redPEA en mi país. ¡Espero trabajar con ustedes!",
        (
            "¡Le damos la bienvenida! No dude en escribirnos si necesita algo.",
            "Qué bueno contar con usted. La reunión regional de {month} será una buena ocasión para conocernos.",
            "@{author} un saludo cordial. La guía para coordinadores en el sitio de la redPEA es un buen punto de "
            "partida.",
        ),
        "¡Muchas gracias por la acogida!",
    ),
    _topic(
        "es",
        (ALL, REGION),
        "Estamos preparando el premio nacional de la redPEA para escuelas. ¿Cómo eligen a las escuelas ganadoras "
        "en sus redes?",
        (
            "Un jurado de docentes y de la Comisión Nacional; cada escuela envía un informe breve.",
            "Premiamos a una escuela por cada tema prioritario, así las más pequeñas también tienen oportunidad.",
            "@{author} ¿podría compartir los criterios cuando estén listos? Nos gustaría crear un premio también.",
        ),
        "Con gusto. Publicaré aquí los criterios cuando el jurado los apruebe.",
    ),
    _topic(
        "es",
        (CLIMATE,),
        "Nuestras escuelas preparan una semana de acción climática. ¿Tienen actividades que funcionen bien con "
        "alumnos de secundaria?",
        (
            "Nuestros alumnos midieron el consumo de energía de la escuela durante un mes y presentaron los "
            "resultados.",
            "Un debate sobre el futuro de la ciudad funcionó muy bien con los de último año.",
            "Plantamos árboles con una asociación local; fue lo que más les gustó.",
        ),
        "¡Gracias! Probaremos la medición de energía y el debate.",
    ),
    _topic(
        "es",
        (PROJECT,),
        "Las escuelas de nuestra red ya subieron sus primeras observaciones para {project}. ¿Pueden compartir "
        "las suyas antes de finales de {month}?",
        (
            "Las nuestras estarán listas la próxima semana.",
            "¿Podemos enviar fotos además de la hoja de datos?",
            "Una de nuestras escuelas va con retraso, pero las enviará pronto.",
        ),
        "Las fotos son bienvenidas. ¡Gracias a todos!",
    ),
)

# How many replies a thread gets (0 to 5), and how often.
_REPLY_WEIGHTS = [20, 25, 22, 15, 10, 8]
# A language other than English gets threads where at least this many readers speak it.
_MIN_SPEAKERS = 3


def _fits(topic: Topic, channel: dict[str, Any]) -> bool:
    where = channel["slug"] if channel["kind"] == "topic" else channel["kind"]
    return where in topic.channels


def channels(projects: pl.DataFrame, regions: dict[str, str], created: datetime) -> pl.DataFrame:
    """The all-coordinators channel, one per region, the two topical ones, one per project."""
    rows = [
        {
            "slug": "all-coordinators",
            "kind": "all",
            "title": "All coordinators",
            "region": None,
            "project_id": None,
            "created_at": created,
        }
    ]
    for code in sorted(regions):
        rows.append(
            {
                "slug": f"region-{code.lower()}",
                "kind": "region",
                "title": regions[code],
                "region": code,
                "project_id": None,
                "created_at": created,
            }
        )
    for slug_, title in ((CLIMATE, "Climate education"), (HERITAGE, "Heritage learning")):
        rows.append(
            {"slug": slug_, "kind": "topic", "title": title, "region": None, "project_id": None, "created_at": created}
        )
    for pid, title, opened in projects.select("id", "title", "created_at").rows():
        rows.append(
            {
                "slug": f"project-{pid}",
                "kind": "project",
                "title": title,
                "region": None,
                "project_id": pid,
                "created_at": opened,
            }
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "slug": pl.String,
            "kind": pl.String,
            "title": pl.String,
            "region": pl.String,
            "project_id": pl.Int64,
            "created_at": pl.Datetime("us"),
        },
    )
    return frame.with_row_index("id", offset=1).with_columns(
        pl.col("id").cast(pl.Int64), pl.lit("admin").alias("created_by")
    )


@dataclass
class _ChannelPlan:
    """Who reads and speaks in a channel, when its threads may start, how often it is chosen."""

    channel: dict[str, Any]
    names: list[str]  # its readers
    speakers: dict[str, list[str]]  # readers by the language they write in (fr, es)
    start: datetime
    end: datetime
    topics: dict[str, list[Topic]]  # by language
    weight: int
    used: dict[str, list[datetime]] = field(default_factory=dict)  # opening text -> when the channel had it


def board(
    py: random.Random,
    as_of: datetime,
    users: pl.DataFrame,
    projects: pl.DataFrame,
    members: pl.DataFrame,
    inst: pl.DataFrame,
    regions: dict[str, str],
    region_of: dict[str, str],
    count: int,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(channels, ``count`` messages, channel_reads), drawn from ``py`` alone."""
    channel_frame = channels(projects, regions, as_of - THREAD_SPAN - timedelta(days=60))
    people = (
        users.filter(pl.col("role").is_in(["coordinator", "admin"]))
        .select("username", "role", "network", "language")
        .rows(named=True)
    )
    coordinators = [p for p in people if p["role"] == "coordinator"]
    admins = [p["username"] for p in people if p["role"] == "admin"]
    networks_of: dict[int, set[str]] = {pid: set() for pid in projects["id"]}
    for pid, net in projects.select("id", "network").rows():
        networks_of[pid].add(net)
    taking_part = (
        members.filter(pl.col("state") == "member")
        .join(inst.select("id", "network"), left_on="institution_id", right_on="id")
        .select("project_id", "network")
        .unique()
    )
    for pid, net in taking_part.rows():
        networks_of[pid].add(net)
    window = {
        pid: (opened, datetime.combine(end, datetime.min.time()) + timedelta(hours=18))
        for pid, opened, end in projects.select("id", "created_at", "end_date").rows()
    }

    plans: list[_ChannelPlan] = []
    for channel in channel_frame.iter_rows(named=True):
        kind = channel["kind"]
        if kind == "region":
            readers = [p for p in coordinators if region_of.get(p["network"]) == channel["region"]]
        elif kind == "project":
            readers = [p for p in coordinators if p["network"] in networks_of.get(channel["project_id"], ())]
        else:
            readers = coordinators
        names = [p["username"] for p in readers]
        speakers = {lang: [p["username"] for p in readers if p["language"] == lang] for lang in ("fr", "es")}
        start, end = as_of - THREAD_SPAN, as_of
        if kind == "project":
            # A project's channel is quiet before it starts and once it has closed.
            opened, closed = window[channel["project_id"]]
            start, end = max(start, opened), min(end, closed)
        topics = {lang: [t for t in TOPICS if t.language == lang and _fits(t, channel)] for lang in ("en", "fr", "es")}
        weight = 10 if kind == "all" else 3 if kind in ("region", "topic") else 1
        plans.append(_ChannelPlan(channel, names, speakers, start, end, topics, weight))
    plans = [p for p in plans if p.names and p.end - p.start >= timedelta(days=14)]
    cumulated = list(itertools.accumulate(p.weight for p in plans))

    drafted: list[tuple[datetime, int, int, int, str, str]] = []  # time, order, channel, thread, author, body
    while len(drafted) < count and plans:
        plan = py.choices(plans, cum_weights=cumulated)[0]
        audience = len(plan.names)
        shares = {
            lang: len(group) / audience
            for lang, group in plan.speakers.items()
            if len(group) >= _MIN_SPEAKERS and plan.topics[lang]
        }
        draw, language = py.random(), "en"
        for lang, share in shares.items():
            if draw < share:
                language = lang
                break
            draw -= share
        span = (plan.end - plan.start).total_seconds()
        opened = plan.start + timedelta(seconds=py.uniform(0.02, 0.98) * span)
        # A channel does not repeat itself while it has something else to talk about: of the
        # topics it has had least often, the one it last had longest ago (or never).
        used = plan.used  # opening text -> when the channel had it
        fewest = min(len(used.get(t.opening, ())) for t in plan.topics[language])
        least = [t for t in plan.topics[language] if len(used.get(t.opening, ())) == fewest]
        py.shuffle(least)
        topic = max(
            least,
            key=lambda t: min((abs((opened - at).total_seconds()) for at in used.get(t.opening, ())), default=math.inf),
        )
        used.setdefault(topic.opening, []).append(opened)
        if topic.secretariat:
            author = py.choice(admins)
            repliers = plan.names
        else:
            pool = plan.speakers[language] if language != "en" else plan.names
            author = py.choice(pool)
            # UNESCO staff join English conversations now and then.
            repliers = pool + (admins[:1] if language == "en" else [])
        month = MONTHS[language][(opened.month - 1 + py.choice((1, 2))) % 12]
        fields = {"month": month, "author": author, "project": plan.channel["title"]}

        def text(template: str, fields=fields) -> str:
            filled = template.format(**fields)
            return filled[0].upper() + filled[1:]

        thread = len(drafted)
        drafted.append((opened, thread, plan.channel["id"], thread, author, text(topic.opening)))
        wanted = min(py.choices(range(len(_REPLY_WEIGHTS)), weights=_REPLY_WEIGHTS)[0], len(topic.replies))
        said = py.sample(topic.replies, k=wanted) if any(name != author for name in repliers[:2]) else []
        if len(said) >= 2 and topic.closing and py.random() < 0.7:
            said.append(topic.closing)
        at, previous = opened, author
        for k, reply in enumerate(said):
            # Most answers come within a day, some after a few days.
            at = at + timedelta(minutes=min(20 * 24 * 60, 20 + py.lognormvariate(math.log(8 * 60), 1.1)))
            if at >= plan.end or len(drafted) >= count:
                break
            closing = topic.closing and k == len(said) - 1 and reply == topic.closing
            who = author if closing else _someone_else(py, repliers, author, previous)
            drafted.append((at, len(drafted), plan.channel["id"], thread, who, text(reply)))
            previous = who

    # Ids follow time, as in the application (unread counts go by id, threads by time).
    drafted.sort(key=lambda row: (row[0], row[1]))
    id_of = {row[1]: k for k, row in enumerate(drafted, start=1)}
    messages = pl.DataFrame(
        [
            {
                "id": k,
                "channel_id": cid,
                "thread_id": None if order == thread else id_of[thread],
                "author": author,
                "body": body,
                "created_at": at,
            }
            for k, (at, order, cid, thread, author, body) in enumerate(drafted, start=1)
        ],
        schema={
            "id": pl.Int64,
            "channel_id": pl.Int64,
            "thread_id": pl.Int64,
            "author": pl.String,
            "body": pl.String,
            "created_at": pl.Datetime("us"),
        },
    )
    return channel_frame, messages, _reads(py, as_of, plans, admins, drafted)


def _someone_else(py: random.Random, names: list[str], author: str, previous: str) -> str:
    """One of ``names`` other than the thread's author and, where possible, than the previous
    replier (drawn without building a list: the all-coordinators channel has 181 readers)."""
    for _ in range(8):
        name = py.choice(names)
        if name not in (author, previous):
            return name
    return next(
        (name for name in names if name not in (author, previous)), next(name for name in names if name != author)
    )


def _reads(
    py: random.Random,
    as_of: datetime,
    plans: list[_ChannelPlan],
    admins: list[str],
    drafted: list[tuple[datetime, int, int, int, str, str]],
) -> pl.DataFrame:
    """Each reader has read each channel up to a day of the last weeks (a few days ago, typically)."""
    by_channel: dict[int, tuple[list[datetime], list[int]]] = {}
    for k, (at, _, cid, _, _, _) in enumerate(drafted, start=1):
        times, ids = by_channel.setdefault(cid, ([], []))
        times.append(at)
        ids.append(k)
    rows = []
    for plan in plans:
        cid = plan.channel["id"]
        times, ids = by_channel.get(cid, ([], []))
        if not ids:
            continue
        for username in plan.names + admins:
            until = as_of - timedelta(hours=py.expovariate(1 / (6 * 24)))
            seen = bisect.bisect_right(times, until)
            if seen:
                rows.append({"username": username, "channel_id": cid, "last_read_id": ids[seen - 1]})
    return pl.DataFrame(rows, schema={"username": pl.String, "channel_id": pl.Int64, "last_read_id": pl.Int64})
