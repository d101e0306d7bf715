# amanat клиентінің интерфейсі, қазақша. Кілттер en/ және ru/ файлдарындағыдай.

## Толтыру шебері

wizard-intro = Қорға өтініш. Сұрақтарға кезекпен жауап беріңіз; (міндетті емес) деп белгіленгендерін Enter пернесімен өткізіп жіберуге болады.
wizard-nothing-saved = Бұл құрылғыға ештеңе жазылмайды: жауаптарыңыз тек жадта сақталады және жіберілмес бұрын шифрланады. Кез келген уақытта тоқтату үшін Ctrl-D басыңыз.
wizard-fill-now = Өтінішті қазір толтырасыз ба?
wizard-optional = (міндетті емес)
wizard-yes-no = [и/ж]
wizard-yes-words = и, иә, y, yes
wizard-no-words = ж, жоқ, n, no
wizard-answer-yes-no = «и» (иә) немесе «ж» (жоқ) деп жауап беріңіз.
wizard-required = Бұл жауап қажет.
wizard-not-a-number = Санды тек цифрмен жазыңыз.
wizard-choose-one = Тізімнен бір тармақтың нөмірін енгізіңіз.
wizard-choose-many = Сәйкес тармақтардың нөмірлерін үтір арқылы енгізіңіз (ешқайсысы болмаса — Enter).
wizard-lookalike = «{ $word }» сөзінде әртүрлі әліпбилердің ұқсас әріптері араласқан (мысалы, кирилл есіміндегі латын «a»). Жазылғандай қалдырасыз ба?
wizard-add-another = Тағы біреуін қосасыз ба?
wizard-confirm = Осы өтінішті шифрлап, жібересіз бе? Әзірге бұл құрылғыдан ештеңе шыққан жоқ.
wizard-cancelled = Бас тартылды: ештеңе жіберілмеді және ештеңе сақталмады.
wizard-still-problems = Өтініште әлі де қателер бар:
wizard-list-empty = жоқ

## Бөлімдер

section-identity = Өзіңіз туралы
section-family = Отбасы мүшелері
section-incidents = Ұстаулар және басқа оқиғалар
section-interrogations = Жауап алулар
section-admin = Әкімшілік істер
section-criminal = Қылмыстық істер
section-health = Азаптау, қатыгездік, денсаулық
section-pressure = Басқа қысым
section-attachments = Қоса берілетін құжаттар
section-consent = Қор нені жариялай алады
section-summary = Жауаптарыңызды тексеріңіз

add-family = Қудалау отбасы мүшелеріңізге әсер етті ме? Қосасыз ба?
add-incident = Сізді ұстады, жауап алды немесе басқаша қудалады ма (митингте, жазба үшін …)? Оқиға қосасыз ба?
add-interrogation = Сізден жауап алды ма? Жауап алуды қосасыз ба?
add-admin = Сізге қарсы әкімшілік іс болды ма (мысалы, 488-бап)? Қосасыз ба?
add-criminal = Сіз куә, күдікті немесе айыпталушы болған қылмыстық іс болды ма? Қосасыз ба?
add-health = Сізді азаптады ма, қатыгездік көрсетті ме, денсаулығыңызға зиян келді ме? Қосасыз ба?
add-pressure = Басқа қысым (аңду, жұмыс беруші, отбасы, шетелге шығуға тыйым …)? Қосасыз ба?
add-attachment = Құжаттар қоса бересіз бе (сот шешімдері, фото …)? Біреуін сипаттайсыз ба?

## Өрістер

field-surname = Тегі
field-given-name = Аты
field-patronymic = Әкесінің аты (-ұлы, -қызы, -ович, -овна …)
field-other-spellings = Атыңыздың басқа жазылулары, үтір арқылы
field-age = Жасы, толық жыл
field-date-of-birth = Туған күні (ЖЖЖЖ-АА-КК)
field-city = Тұратын қала, елді мекен немесе облыс
field-country-abroad = Қазір шетелде тұрсаңыз: ел
field-status-abroad = Ондағы мәртебеңіз (мысалы, баспана іздеуші)
field-citizenship = Азаматтығы
field-occupation = Кәсібі (блогер, журналист, кәсіподақ белсендісі …)
field-relation = Туыстығы (анасы, ұлы, күйеуі …)
field-relative-age = Жасы
field-relative-note = Оған не болды
field-event = Бұл не болды?
field-date = Күні (ЖЖЖЖ-АА-КК)
field-start-time = Қай уақыттан (СС:ММ)
field-end-time = Қай уақытқа дейін (СС:ММ)
field-incident-city = Қала немесе елді мекен
field-place = Орны (алаң, көше, полиция бөлімі)
field-activity = Сіз не істеп жүрдіңіз (наразылық, жанынан өту, түсіру …)?
field-detained = Сізді ұстады ма?
field-authorities = Кім болды?
field-flags = Сізге не болды?
field-recorded = Сіз туралы не жазып алды?
field-papers = Сізді бірдеңеге қол қоюға мәжбүрледі ме?
field-items-seized = Тәркіленген заттар
field-injuries = Жарақаттар
field-minors = Кәмелетке толмағандар болды ма?
field-description = Не болғанын сипаттаңыз
field-body = Қай орган жауап алды?
field-brought-by = Сізді қалай әкелді?
field-questions = Сізден не сұрады?
field-threats = Қоқан-лоққылар мен талаптар
field-admin-article = ӘҚБтК бабы (мысалы, 488)
field-part = Баптың бөлігі
field-hearing-night = Сот түнде өтті ме?
field-lawyer-present = Адвокат болды ма?
field-outcome = Нәтижесі
field-arrest-days = Қамаудың тәулік саны
field-fine = Айыппұл, бүтін теңгемен
field-status = Істегі мәртебеңіз
field-criminal-article = ҚК бабы (мысалы, 174)
field-basis = Айыптау неге негізделген?
field-restraint = Бұлтартпау шарасы
field-sentence = Үкім және тыйымдар
field-repentance = Сізді көпшілік алдында «өкінуге» мәжбүрледі ме?
field-what-was-done = Сізге не істеді?
field-facility = Қайда (мекеме)
field-findings = Медициналық қорытындылар
field-care-denied = Сізге медициналық көмек көрсетуден бас тартты ма?
field-complaint-filed = Шағым бердіңіз бе?
field-hospitalised = Сізді мәжбүрлеп ауруханаға жатқызды ма?
field-pressure-kind = Қандай қысым?
field-attachment-kind = Бұл қандай құжат?
field-note = Ескертпе
field-publish-name = Қор сіздің атыңызды өтініш берушілер тізімінде жариялай ала ма?
field-publish-age = Жасыңызды жариялай ала ма?
field-publish-city = Қалаңызды жариялай ала ма?
field-publish-occupation = Кәсібіңізді жариялай ала ма?

## Тізімдер

event-rally-2018-05-10 = 2018 жылғы 10 мамырдағы азаптау мен саяси қудалауға қарсы митингте ұстау
event-rally-2018-06-23 = 2018 жылғы 23 маусымдағы тегін білім беру үшін митингте ұстау
event-preventive-2018-07-06 = 2018 жылғы 6 шілдедегі алдын ала ұстау
event-ep-delegation-2018-09 = 2018 жылғы 17–18 қыркүйектегі ұстау (Еуропарламент делегациясы)
event-blue-balloons = Көк шарлар немесе ленталар үшін ұстау не жауап алу
event-explanatory-note = «Түсініктеме» жазуды талап етіп жауап алу
event-social-media-prosecution = Әлеуметтік желі чаттарындағы жазбалар үшін қудалау
event-other = Басқа (сипаттаңыз)

authority-police = полиция
authority-internal-affairs = ішкі істер органдары
authority-national-security = ҰҚК
authority-prosecutor = прокуратура
authority-local-administration = әкімдік
authority-plain-clothes = азаматша киінген адамдар
authority-other = басқа

flag-lawyer-denied = адвокатқа рұқсат бермеді
flag-call-denied = туыстарға қоңырау шалуға рұқсат бермеді
flag-phone-seized = телефонды тәркіледі
flag-videos-deleted = бейнелерді өшірді
flag-fingerprinted = саусақ іздерін алды
flag-photographed = суретке түсірді

recorded-id-number = жеке куәлік нөмірі
recorded-address = мекенжай
recorded-workplace = жұмыс орны
recorded-family = отбасы
recorded-phone-imei = телефонның IMEI нөмірі
recorded-other = басқа

paper-explanatory-note = «түсініктеме»
paper-renunciation = сенімнен бас тарту
paper-pledge-not-to-attend = митингтерге бармау туралы міндеттеме
paper-other = басқа

brought-summons = шақыру қағазымен
brought-forced = күштеп
brought-lured = алдап, сылтаумен
brought-other = басқа

outcome-arrest = әкімшілік қамауға алу
outcome-fine = айыппұл
outcome-warning = ескерту
outcome-closed = іс қысқартылды
outcome-pending = әлі шешілмеді

status-witness = куә
status-suspect = күдікті
status-accused = айыпталушы
status-convicted = сотталған
status-acquitted = ақталған

pressure-surveillance = аңду
pressure-family = отбасы арқылы қысым
pressure-school = мектеп не университет арқылы қысым
pressure-employer = жұмыс беруші арқылы қысым
pressure-landlord = пәтер иесі арқылы қысым
pressure-exit-ban = шетелге шығуға тыйым
pressure-wanted-list = іздеуге жарияланды
pressure-extradition = экстрадиция туралы сұрау
pressure-attack = шабуыл
pressure-lawyer-pressured = адвокатқа қысым
pressure-other = басқа

attachment-seizure-record = тәркілеу хаттамасы
attachment-interrogation-record = жауап алу хаттамасы
attachment-court-decision = сот шешімі
attachment-photo = фото
attachment-video = бейне
attachment-medical-record = медициналық құжат
attachment-other = басқа

## Қорытынды

summary-yes = иә
summary-no = жоқ
summary-days = { $days } тәулік
summary-tenge = { $tenge } теңге

## Тексеру

problem-syntax = файл дұрыс өтініш емес: { $detail }
problem-version = 1 немесе 2 болуы керек
problem-empty = бос болмауы керек
problem-text = { $max } баспа таңбасынан аспауы керек
problem-age = { $min } мен { $max } аралығында болуы керек
problem-unknown-event = мыналардың бірі болуы керек: { $events }
problem-other-needs-text = оқиға «басқа» болса, не болғанын жазыңыз
problem-bad-date = ЖЖЖЖ-АА-КК түріндегі нақты күн болуы керек
problem-future-date = болашақтағы күн болмауы керек
problem-date-order = { $after } күнінен ерте болмауы керек
problem-bad-time = СС:ММ түріндегі уақыт болуы керек, мысалы 14:30
problem-bad-article = 488 немесе 73-1 сияқты бап нөмірі болуы керек (бөлігі бөлек жазылады)
problem-bad-part = 1-ден { $max }-ге дейінгі бөлік нөмірі болуы керек
problem-arrest-days = 1-ден { $max }-ге дейінгі тәулік саны болуы керек
problem-missing-arrest-days = қамаудың тәулік санын көрсетіңіз
problem-fine = 1-ден { $max }-ге дейінгі бүтін теңге болуы керек
problem-missing-fine = айыппұлды бүтін теңгемен көрсетіңіз
problem-only-with-outcome = нәтижесі { $outcome } болғанда ғана көрсетіледі
problem-document-number = құжат нөмірі: 6-дан 12-ге дейін латын әрпі мен цифр
problem-no-powers = кемінде бір өкілеттікті көрсетіңіз

form-has-problems = { $label } өтінішінде қателер бар:
form-fix-hint = осы өрістерді түзетіп, команданы қайта іске қосыңыз; ештеңе жіберілмеді
lang-unknown = белгісіз тіл { $lang }
lang-hint = --lang kk, --lang ru немесе --lang en көрсетіңіз

## Есеп (қызметкерлерге)

report-title = Атынан шағым берілген адамдардың тізімі
report-headline = { $people } { $people ->
   *[other] адам
  }, { $places } { $places ->
   *[other] елді мекеннен
  }
report-aged = { $age } жаста
report-age-not-stated = жасы көрсетілмеген
report-name-withheld = [өтініш берушінің өтініші бойынша аты жарияланбайды]
report-place-withheld = Елді мекен жарияланбайды
report-figures = Сандар (тек толық істер)
report-by-event = Оқиғалар бойынша өтініш берушілер
report-event = Оқиға
report-people = Адам
report-by-kind = Қудалау түрлері
report-detentions = Ұстаулар: { $count } ({ $people } адам)
report-arrests = Әкімшілік қамаулар: { $count }, барлығы { $days } тәулік
report-fines = Айыппұлдар: { $count }, барлығы { $tenge } теңге
report-criminal = Қылмыстық істер: { $count }
report-chart-detentions = Ұстаулар
report-chart-arrests = Әкімшілік қамаулар
report-chart-fines = Айыппұлдар
report-chart-criminal = Қылмыстық істер
report-by-article = Баптар бойынша қылмыстық істер
report-article = Бап
report-article-label = { $article }-бап
report-cases = Істер
report-by-place = Елді мекендер бойынша өтініш берушілер
report-place = Елді мекен
report-follow-up = Назар аударуды қажет ететін істер (ішкі құжат, жарияламаңыз)
report-follow-up-note = Бұл істер әзірге қосымшаға кірмейді.
report-missing-form = Өтініш жоқ
report-unreadable-form = Өтініш оқылмайды немесе қате толтырылған
report-missing-poa = Сенімхат жоқ
report-poa-pending = Сенімхат әлі расталмаған
report-poa-rejected = Сенімхат қабылданбады
report-lookalikes = Әртүрлі әліпбилердің ұқсас әріптері араласқан есімдер (тексеріңіз)
report-written = Есеп: { $cases } істің { $complete } толық ісі, { $dir } ішіне жазылды.
report-encrypted = Файлдар age арқылы өз кілтіңізге шифрланған: оларды `age -d -i` және өз кілтіңізбен ашыңыз.
report-plaintext = Бұл файлдар шифрланбаған: оларды шифрланған дискіде сақтаңыз немесе --encrypt қолданыңыз.
search-none = «{ $query }» бойынша ешбір іс табылмады.
search-found = { $count ->
   *[other] Табылған істер: { $count }
  }

## Веб-бет (web/: web/build.mjs құрастыру кезінде экспорттайды)

web-title = Аманат: қорға өтініш
web-language = Тіл
web-intro = Сіз енгізген және тіркеген барлық нәрсе жіберілмес бұрын осы құрылғыда шифрланады. Сервер тек шифрмәтінді алады; оны тек қордың қарастырушылары оқи алады.
web-preparing = Дайындалуда… (құрылғы серверді сұраулар тасқынынан қорғайтын шағын есепті шешуде)
web-deriving = Кодтық атаудан іс кілттері есептелуде… (ескі телефонда бұл бір минутқа созылуы мүмкін)
web-foundation = Қор
web-root-hint = Қор өзінің түбірлік кілтінің саусақ ізін (52 әріп пен сан) өз арналарында жариялайды. Оны осы жерде көргеніңізбен салыстырыңыз: бет тек осы кілт қол қойған қарастырушыларға шифрлайды.
web-root = Түбірлік кілттің саусақ ізі
web-check = Тексеру
web-checking = Қордың кілттер жиынтығы тексерілуде…
web-keyring-ok = Кілттер жиынтығына (нұсқа { $version }) осы түбірлік кілт қол қойған. Ісіңізді оқи алатын қарастырушылар: { $reviewers }.
web-keyring-rotated = Қор түбірлік кілтін жаңа кілтке тапсырды: { $root }. Тапсыруға екі кілт те қол қойды, ол ашық журналда жазылған. Кілттер жиынтығына (нұсқа { $version }) жаңа түбірлік кілт қол қойған. Ісіңізді оқи алатын қарастырушылар: { $reviewers }.
web-keyring-refused = Ештеңе жіберілмейді: { $reason }
web-new-case = Жаңа өтініш
web-nothing-stored = Браузерде ештеңе сақталмайды. Бетті жібермей тұрып жапсаңыз, енгізгеніңіз жоғалады.
web-add-incident = Тағы бір оқиға қосу
web-documents = Құжаттар
web-poa = Сенімхат (қол қойылған беттің суреті немесе сканы)
web-attachments = Басқа файлдар: суреттер, сот құжаттары, бейне (міндетті емес)
web-send = Шифрлау және жіберу
web-form-problems = Мына өрістерді түзетіңіз; ештеңе жіберілген жоқ:
web-the-form = Өтініш сауалнамасы
web-rate = { $done } / { $total }, { $rate }/с, шамамен { $eta } с қалды
web-retrying = Байланыс үзілді; { $seconds } с кейін қайта әрекет…
web-sent = Дайын: сервер { $count } құжатты шифрланған түрде алды.
web-receipt-ok = алынды, түбіртек тексерілді
web-receipt-none = алынды (қордың кілттер жиынтығында журнал көрсетілмеген, сондықтан түбіртек жоқ)
web-save-receipt = Түбіртекті сақтау
web-codename-title = Сіздің кодтық атауыңыз
web-codename-once = Ол тек қазір көрсетіледі. Оны жатқа біліңіз немесе ешкім таппайтын жерге жазыңыз. Оның көмегімен кейін кез келген құрылғыдан қордың жауаптарын оқып, құжаттар қоса аласыз.
web-practice = Жаттығу: кодтық атауды жаттан енгізіңіз
web-practice-ok = Дұрыс.
web-practice-other = Бұл жоғарыда көрсетілген кодтық атау емес. Қайталап көріңіз.
web-practice-word = { $n }-сөз сөздер тізімінде жоқ.
web-codename-hide = Есімде сақтадым: кодтық атауды жасыру
web-codename-hidden = Кодтық атау жасырылды. Оны қайта көрсету мүмкін емес.
web-return = Менде кодтық атау бар
web-return-hint = Қордың жауаптарын оқу немесе ісіңізге құжаттар қосу үшін кодтық атауыңызды енгізіңіз.
web-codename = Кодтық атау
web-codename-bad = Бұл жарамсыз кодтық атау: сөздерді және олардың ретін тексеріңіз.
web-add-files = Қосылатын файлдар (міндетті емес)
web-open-inbox = Менің ісімді ашу
web-no-such-case = Бұл кодтық атаумен іс табылмады.
web-case-status = Сіздің ісіңіз: { $status }, құжаттар саны: { $count }.
web-withdraw = Өтінішімді қайтарып алу
web-withdraw-explain = Қайтарып алу серверден ісіңізді, сіз жіберген барлық құжаттарды, қордың жауаптарын және қарастырушылардың рұқсатын біржола жояды. Қарастырушылар бұрын жүктеп алған көшірмелер оларда қалады; ашық журналда тек іс қайтарылып алынғаны туралы жазба қалады.
web-withdraw-confirm = Иә, ісімді біржола жою
web-withdraw-cancel = Ісімді қалдыру
web-withdrawn = Қайтарылып алынды: ісіңіз және ондағы құжаттар ({ $count }) серверден жойылды. Ашық журнал мұны жазды (жазба { $index }; түбіртек тексерілді). Кодтық атыңыз енді ештеңе ашпайды.
web-no-replies = Қордан әзірге жауап жоқ.
web-manifest = Бет манифесінің SHA-256:
web-error-generic = Бірдеңе дұрыс болмады: { $detail }
web-error-network = Серверге қосылу мүмкін емес. Байланысты тексеріп, қайталап көріңіз.
web-error-server = Сервер бас тартты: { $detail }
web-error-bad-root = Саусақ ізі қате енгізілген: онда қор жариялағандай 52 әріп пен сан бар.
web-error-unknown-root = кілттер жиынтығына басқа түбірлік кілт қол қойған. Не саусақ ізі қате, не біреу өзін қор ретінде көрсетуде.
web-error-bad-signature = кілттер жиынтығының қолтаңбасы сәйкес келмейді: оны біреу өзгерткен болуы мүмкін.
web-error-bad-keyring = кілттер жиынтығы бүлінген.
web-error-keyring-rollback = сервер бұрын көрілгеннен ескі кілттер жиынтығын ұсынуда.
web-error-no-reviewers = кілттер жиынтығында қарастырушылар жоқ, сондықтан ісіңізді ешкім оқи алмас еді.
web-error-receipt-mismatch = Түбіртек бұл жүктеуді емес, басқа нәрсені тіркейді. Құжат жіберілді, бірақ сервер дұрыс жұмыс істемеуі мүмкін; қорға хабарлаңыз.
web-error-bad-receipt = Сервердің түбіртегі бүлінген. Құжат жіберілді; қорға хабарлаңыз.
web-error-receipt-unsigned = Түбіртекке қордың журналы қол қоймаған. Қорға хабарлаңыз.
web-error-receipt-bad-signature = Түбіртектің қолтаңбасы сәйкес келмейді. Қорға хабарлаңыз.
web-error-receipt-not-included = Түбіртек құжаттың журналда бар екенін дәлелдемейді. Қорға хабарлаңыз.
web-error-hash-mismatch = Сервер жіберілгеннен басқа байттарды сақтады. Қайталап көріңіз.
web-error-file-changed = Файл жіберілу кезінде өзгерді. Оны қайта таңдаңыз.
web-error-upload-lost = Сервер жүктеудің бір бөлігін жоғалтты. Файлды қайта жіберіңіз.

## Қызметкердің жұмыс орны (`amanat staff ui`), браузерде.
ui-title = Аманат — қызметкердің жұмыс орны
ui-language = Тіл
ui-locked-title = Құлыпталды
ui-locked-text = Жұмыс орны өзі құлыпталды: кілтіңіз жадта жоқ, бетте шифры ашылған ештеңе қалмады. Жалғастыру үшін құпиясөзді енгізіңіз.
ui-passphrase = Қызметкер кілтінің құпиясөзі
ui-unlock = Құлыпты ашу
ui-lock = Қазір құлыптау
ui-wrong-passphrase = Бұл құпиясөз кілтіңізді ашпайды.
ui-loading = Істердің шифры осы компьютерде ашылуда…
ui-cases = Істер
ui-reload = Жаңарту
ui-search = Сауалнамалардан іздеу (аты, орны, сөздер)
ui-filter-status = Мәртебе
ui-filter-assignee = Жауапты
ui-filter-city = Қала
ui-filter-event = Оқиға
ui-filter-any = кез келген
ui-filter-unassigned = ешкім
ui-filter-missing-poa = Сенімхат жоқ
ui-filter-not-acknowledged = Сенімхат расталмаған
ui-count = { $total } істің { $shown } көрсетілді
ui-col-case = Іс
ui-col-name = Аты
ui-col-status = Мәртебе
ui-col-assignee = Жауапты
ui-col-received = Алынды
ui-col-documents = Құжаттар
ui-col-city = Қала
ui-col-event = Оқиға
ui-doc-form = сауалнама
ui-doc-no-form = сауалнама жоқ
ui-doc-poa = сенімхат
ui-doc-no-poa = сенімхат жоқ
ui-doc-acknowledged = қабылданды
ui-doc-rejected = қабылданбады
ui-doc-unreadable = сауалнама оқылмайды
ui-select-all = Көрсетілгендердің бәрін таңдау
ui-ack-selected = Таңдалған істердің сенімхаттарын қабылдау
ui-ack-done = Расталды: { $done }, сәтсіз: { $failed }.
ui-back = Тізімге оралу
ui-form = Өтініш сауалнамасы
ui-no-form = Сауалнама әзірге жоқ.
ui-documents = Құжаттар
ui-preview = Қарау
ui-too-large = Мұнда қарау үшін тым үлкен: істі қалтаға сақтаңыз.
ui-download = Шифры ашылған істі қалтаға сақтау
ui-folder = Қалта (жаңа немесе бос)
ui-downloaded = Шифры { $dir } ішіне ашылды. Бұл ашық мәтін: оны шифрланған дискіде сақтаңыз және жұмыс біткенде өшіріңіз.
ui-status = Мәртебе
ui-assignee = Жауапты
ui-save = Сақтау
ui-note = Қызметкерлерге жазба (оны тек солар оқиды)
ui-reply = Өтініш берушіге жауап (ол кодтық атымен оқиды)
ui-send-note = Жазбаны қосу
ui-send-reply = Жауапты жіберу
ui-share = Қолжетімділік беру
ui-share-button = Беру
ui-ack = Осы сенімхатты растау
ui-accept = Қабылдау
ui-reject = Қабылдамау, себеп нөмірі
ui-logged = Осында қол қойылып, журналға { $index } нөмірімен жазылды; түбіртек тексерілді.
ui-activity = Әрекеттер
ui-conflict-reload = Істі жаңарту
ui-report = Қосымша
ui-report-preview = Қосымшаны қарау
ui-report-export = Қосымшаны қалтаға сақтау
ui-report-written = Жазылды: { $files }
ui-done = Дайын.
ui-rekey = Менің барлық істерімді ашу
ui-rekey-done = Ашылған істер: { $shared }.
ui-labels = Белгілер (үтір арқылы; шифрланған, оларды тек қызметкерлер оқиды)
ui-filter-label = Белгі
ui-col-labels = Белгілер
ui-not-for-you = Бұл іс сізге ашылмай тұрып жазылған жазба; ол сіз үшін шифрланбаған.
ui-status-new = жаңа
ui-status-in-review = қаралуда
ui-status-needs-info = мәлімет керек
ui-status-complete = толық
ui-status-included = енгізілді
ui-status-rejected = қабылданбады
ui-status-closed = жабылды
ui-kind-appeal-form = сауалнама
ui-kind-power-of-attorney = сенімхат
ui-kind-attachment = тіркеме
ui-kind-note = жазба
ui-kind-reply = жауап
