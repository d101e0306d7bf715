# Интерфейс клиента amanat, русский. Ключи те же, что в en/ и kk/.

## Мастер заполнения

wizard-intro = Обращение в фонд. Отвечайте на вопросы по очереди; вопросы с пометкой (необязательно) можно пропустить клавишей Enter.
wizard-nothing-saved = На это устройство ничего не записывается: ответы хранятся только в памяти и шифруются до отправки. Чтобы прервать заполнение, нажмите Ctrl-D.
wizard-fill-now = Заполнить обращение сейчас?
wizard-optional = (необязательно)
wizard-yes-no = [д/н]
wizard-yes-words = д, да, y, yes
wizard-no-words = н, нет, n, no
wizard-answer-yes-no = Ответьте «д» (да) или «н» (нет).
wizard-required = Этот ответ нужен.
wizard-not-a-number = Напишите число, только цифры.
wizard-choose-one = Введите номер одного пункта из списка.
wizard-choose-many = Введите номера подходящих пунктов через запятую (Enter — ни одного).
wizard-lookalike = В слове «{ $word }» смешаны похожие буквы разных алфавитов (например, латинская «a» в кириллическом имени). Оставить как написано?
wizard-add-another = Добавить ещё?
wizard-confirm = Зашифровать и отправить это обращение? Пока ничего не покинуло это устройство.
wizard-cancelled = Отменено: ничего не отправлено и ничего не сохранено.
wizard-still-problems = В обращении остались ошибки:
wizard-list-empty = нет

## Разделы

section-identity = О вас
section-family = Члены семьи
section-incidents = Задержания и другие случаи
section-interrogations = Допросы
section-admin = Административные дела
section-criminal = Уголовные дела
section-health = Пытки, жестокое обращение, здоровье
section-pressure = Другое давление
section-attachments = Прилагаемые документы
section-consent = Что фонд может опубликовать
section-summary = Проверьте ваши ответы

add-family = Затронуло ли преследование членов вашей семьи? Добавить?
add-incident = Вас задерживали, допрашивали или преследовали (на митинге, за публикацию …)? Добавить случай?
add-interrogation = Вас допрашивали? Добавить допрос?
add-admin = Было ли против вас административное дело (например, статья 488)? Добавить?
add-criminal = Было ли уголовное дело, где вы свидетель, подозреваемый или обвиняемый? Добавить?
add-health = Вас пытали, с вами жестоко обращались, пострадало здоровье? Добавить?
add-pressure = Другое давление (слежка, работодатель, семья, запрет на выезд …)? Добавить?
add-attachment = Вы приложите документы (решения суда, фото …)? Описать документ?

## Поля

field-surname = Фамилия
field-given-name = Имя
field-patronymic = Отчество (-ович, -овна, -улы, -кызы …)
field-other-spellings = Другие написания вашего имени, через запятую
field-age = Возраст, полных лет
field-date-of-birth = Дата рождения (ГГГГ-ММ-ДД)
field-city = Город, посёлок или область проживания
field-country-abroad = Если вы сейчас за границей: страна
field-status-abroad = Ваш статус там (например, ищущий убежища)
field-citizenship = Гражданство
field-occupation = Род занятий (блогер, журналист, профсоюзный активист …)
field-relation = Кем приходится (мать, сын, муж …)
field-relative-age = Возраст
field-relative-note = Что с ним или с ней произошло
field-event = Что это было?
field-date = Дата (ГГГГ-ММ-ДД)
field-start-time = С какого времени (ЧЧ:ММ)
field-end-time = До какого времени (ЧЧ:ММ)
field-incident-city = Город или посёлок
field-place = Место (площадь, улица, отделение полиции)
field-activity = Что вы делали (протестовали, проходили мимо, снимали …)?
field-detained = Вас задержали?
field-authorities = Кто присутствовал?
field-flags = Что с вами происходило?
field-recorded = Что о вас записали?
field-papers = Вас заставили что-то подписать?
field-items-seized = Изъятые вещи
field-injuries = Травмы
field-minors = Присутствовали ли несовершеннолетние?
field-description = Опишите, что произошло
field-body = Какой орган вас допрашивал?
field-brought-by = Как вас доставили?
field-questions = О чём вас спрашивали?
field-threats = Угрозы и требования
field-admin-article = Статья КоАП (например, 488)
field-part = Часть статьи
field-hearing-night = Суд был ночью?
field-lawyer-present = Был ли адвокат?
field-outcome = Итог
field-arrest-days = Суток ареста
field-fine = Штраф, в целых тенге
field-status = Ваш статус в деле
field-criminal-article = Статья УК (например, 174)
field-basis = На чём основано обвинение?
field-restraint = Мера пресечения
field-sentence = Приговор и запреты
field-repentance = Вас заставили публично «покаяться»?
field-what-was-done = Что с вами сделали?
field-facility = Где (учреждение)
field-findings = Медицинские заключения
field-care-denied = Вам отказали в медицинской помощи?
field-complaint-filed = Вы подали жалобу?
field-hospitalised = Вас принудительно госпитализировали?
field-pressure-kind = Какое давление?
field-attachment-kind = Что это за документ?
field-note = Примечание
field-publish-name = Может ли фонд опубликовать ваше имя в списке заявителей?
field-publish-age = Может ли фонд опубликовать ваш возраст?
field-publish-city = Может ли фонд опубликовать ваш город?
field-publish-occupation = Может ли фонд опубликовать ваш род занятий?

## Списки

event-rally-2018-05-10 = Задержание на митинге 10 мая 2018 года против пыток и политических преследований
event-rally-2018-06-23 = Задержание на митинге 23 июня 2018 года за бесплатное образование
event-preventive-2018-07-06 = Превентивное задержание 6 июля 2018 года
event-ep-delegation-2018-09 = Задержание 17–18 сентября 2018 года (делегация Европарламента)
event-blue-balloons = Задержание или допрос за голубые шары или ленты
event-explanatory-note = Допрос с требованием написать «объяснительную»
event-social-media-prosecution = Преследование за сообщения в чатах соцсетей
event-other = Другое (опишите)

authority-police = полиция
authority-internal-affairs = органы внутренних дел
authority-national-security = КНБ
authority-prosecutor = прокуратура
authority-local-administration = акимат
authority-plain-clothes = люди в штатском
authority-other = другое

flag-lawyer-denied = не допустили адвоката
flag-call-denied = не дали позвонить родным
flag-phone-seized = изъяли телефон
flag-videos-deleted = удалили видео
flag-fingerprinted = сняли отпечатки пальцев
flag-photographed = сфотографировали

recorded-id-number = номер удостоверения
recorded-address = адрес
recorded-workplace = место работы
recorded-family = семья
recorded-phone-imei = IMEI телефона
recorded-other = другое

paper-explanatory-note = «объяснительную»
paper-renunciation = отказ от убеждений
paper-pledge-not-to-attend = обязательство не ходить на митинги
paper-other = другое

brought-summons = по повестке
brought-forced = принудительно
brought-lured = обманом, под предлогом
brought-other = другое

outcome-arrest = административный арест
outcome-fine = штраф
outcome-warning = предупреждение
outcome-closed = дело прекращено
outcome-pending = решения ещё нет

status-witness = свидетель
status-suspect = подозреваемый
status-accused = обвиняемый
status-convicted = осуждённый
status-acquitted = оправданный

pressure-surveillance = слежка
pressure-family = давление через семью
pressure-school = давление через школу или вуз
pressure-employer = давление через работодателя
pressure-landlord = давление через арендодателя
pressure-exit-ban = запрет на выезд
pressure-wanted-list = объявлен в розыск
pressure-extradition = запрос об экстрадиции
pressure-attack = нападение
pressure-lawyer-pressured = давление на адвоката
pressure-other = другое

attachment-seizure-record = протокол изъятия
attachment-interrogation-record = протокол допроса
attachment-court-decision = решение суда
attachment-photo = фото
attachment-video = видео
attachment-medical-record = медицинский документ
attachment-other = другое

## Сводка

summary-yes = да
summary-no = нет
summary-days = { $days } сут.
summary-tenge = { $tenge } тенге

## Проверка

problem-syntax = файл не является правильной формой: { $detail }
problem-version = должно быть 1 или 2
problem-empty = не может быть пустым
problem-text = не более { $max } печатных символов
problem-age = должно быть от { $min } до { $max }
problem-unknown-event = должно быть одно из: { $events }
problem-other-needs-text = если событие «другое», опишите, что произошло
problem-bad-date = нужна настоящая дата в виде ГГГГ-ММ-ДД
problem-future-date = дата не может быть в будущем
problem-date-order = не может быть раньше, чем { $after }
problem-bad-time = нужно время в виде ЧЧ:ММ, например 14:30
problem-bad-article = нужен номер статьи, например 488 или 73-1 (часть указывается отдельно)
problem-bad-part = номер части от 1 до { $max }
problem-arrest-days = число суток от 1 до { $max }
problem-missing-arrest-days = укажите, на сколько суток арест
problem-fine = целое число тенге от 1 до { $max }
problem-missing-fine = укажите штраф в целых тенге
problem-only-with-outcome = указывается, только если итог — { $outcome }
problem-document-number = номер документа: от 6 до 12 латинских букв и цифр
problem-no-powers = укажите хотя бы одно полномочие

form-has-problems = в обращении { $label } есть ошибки:
form-fix-hint = исправьте эти поля и запустите команду снова; ничего не отправлено
lang-unknown = неизвестный язык { $lang }
lang-hint = укажите --lang kk, --lang ru или --lang en

## Отчёт (для сотрудников)

report-title = Список лиц, от имени которых подана жалоба
report-headline = { $people } { $people ->
    [one] человек
    [few] человека
   *[other] человек
  } из { $places } { $places ->
    [one] населённого пункта
   *[other] населённых пунктов
  }
report-aged = { $age } { $age ->
    [one] год
    [few] года
   *[other] лет
  }
report-age-not-stated = возраст не указан
report-name-withheld = [имя не публикуется по просьбе заявителя]
report-place-withheld = Населённый пункт не публикуется
report-figures = Цифры (только полные дела)
report-by-event = Заявители по событиям
report-event = Событие
report-people = Человек
report-by-kind = Виды преследования
report-detentions = Задержаний: { $count } (человек: { $people })
report-arrests = Административных арестов: { $count }, всего суток: { $days }
report-fines = Штрафов: { $count }, всего тенге: { $tenge }
report-criminal = Уголовных дел: { $count }
report-chart-detentions = Задержания
report-chart-arrests = Административные аресты
report-chart-fines = Штрафы
report-chart-criminal = Уголовные дела
report-by-article = Уголовные дела по статьям
report-article = Статья
report-article-label = Статья { $article }
report-cases = Дел
report-by-place = Заявители по населённым пунктам
report-place = Населённый пункт
report-follow-up = Дела, требующие внимания (внутренний документ, не публиковать)
report-follow-up-note = Эти дела пока не входят в приложение.
report-missing-form = Нет обращения
report-unreadable-form = Обращение не читается или заполнено с ошибками
report-missing-poa = Нет доверенности
report-poa-pending = Доверенность ещё не подтверждена
report-poa-rejected = Доверенность отклонена
report-lookalikes = Имена со смешанными похожими буквами разных алфавитов (проверьте)
report-written = Отчёт: полных дел { $complete } из { $cases }, записан в { $dir }.
report-encrypted = Файлы зашифрованы age на ваш собственный ключ: откройте их через `age -d -i` с вашим ключом.
report-plaintext = Эти файлы не зашифрованы: храните их на зашифрованном диске или используйте --encrypt.
search-none = Ни одно дело не подходит под «{ $query }».
search-found = { $count ->
    [one] Найдено дело:
   *[other] Найдено дел: { $count }
  }

## Веб-страница (web/: экспортируется при сборке скриптом web/build.mjs)

web-title = Аманат: обращение в фонд
web-language = Язык
web-intro = Всё, что вы вводите и прикладываете, шифруется на этом устройстве до отправки. Сервер получает только шифротекст; прочитать его могут только рецензенты фонда.
web-preparing = Подготовка… (устройство решает небольшую задачу, которая защищает сервер от наводнения запросами)
web-deriving = Вычисляем ключи дела из кодового имени… (на старом телефоне это может занять минуту)
web-foundation = Фонд
web-root-hint = Фонд публикует отпечаток своего корневого ключа (52 буквы и цифры) в своих каналах. Сверьте его с тем, что видите здесь: страница шифрует только для рецензентов, подписанных этим ключом.
web-root = Отпечаток корневого ключа
web-check = Проверить
web-checking = Проверяем связку ключей фонда…
web-keyring-ok = Связка ключей (версия { $version }) подписана этим корневым ключом. Ваше дело смогут прочитать рецензенты: { $reviewers }.
web-keyring-rotated = Фонд передал полномочия корневого ключа новому ключу { $root }: передачу подписали оба ключа, и она записана в публичном журнале. Связка ключей (версия { $version }) подписана новым корневым ключом. Ваше дело смогут прочитать рецензенты: { $reviewers }.
web-keyring-refused = Ничего не будет отправлено: { $reason }
web-new-case = Новое обращение
web-nothing-stored = В браузере ничего не сохраняется. Если закрыть страницу до отправки, введённое пропадёт.
web-add-incident = Добавить ещё один случай
web-documents = Документы
web-poa = Доверенность (фото или скан подписанной страницы)
web-attachments = Другие файлы: фото, судебные документы, видео (необязательно)
web-send = Зашифровать и отправить
web-form-problems = Исправьте эти поля; ничего не отправлено:
web-the-form = Анкета обращения
web-rate = { $done } из { $total }, { $rate }/с, осталось около { $eta } с
web-retrying = Связь прервалась; новая попытка через { $seconds } с…
web-sent = Готово: сервер получил документов: { $count }, в зашифрованном виде.
web-receipt-ok = получено, квитанция проверена
web-receipt-none = получено (в связке ключей фонда не указан журнал, поэтому квитанции нет)
web-save-receipt = Сохранить квитанцию
web-codename-title = Ваше кодовое имя
web-codename-once = Оно показывается только сейчас. Выучите его наизусть или запишите там, где его никто не найдёт. С ним вы сможете читать ответы фонда и добавлять документы позже, с любого устройства.
web-practice = Потренируйтесь: введите кодовое имя по памяти
web-practice-ok = Верно.
web-practice-other = Это не то кодовое имя, что показано выше. Попробуйте ещё раз.
web-practice-word = Слова номер { $n } нет в списке слов.
web-codename-hide = Я запомнил(а): скрыть кодовое имя
web-codename-hidden = Кодовое имя скрыто. Показать его снова нельзя.
web-return = У меня уже есть кодовое имя
web-return-hint = Введите кодовое имя, чтобы прочитать ответы фонда или добавить документы к своему делу.
web-codename = Кодовое имя
web-codename-bad = Это неверное кодовое имя: проверьте слова и их порядок.
web-add-files = Файлы для добавления (необязательно)
web-open-inbox = Открыть моё дело
web-no-such-case = Дело с таким кодовым именем не найдено.
web-case-status = Ваше дело: { $status }, документов: { $count }.
web-withdraw = Отозвать моё обращение
web-withdraw-explain = Отзыв навсегда удаляет с сервера ваше дело, все отправленные вами документы, ответы фонда и доступ рецензентов. Копии, которые рецензенты уже скачали, остаются у них; в публичном журнале остаётся только запись о том, что дело отозвано.
web-withdraw-confirm = Да, удалить моё дело навсегда
web-withdraw-cancel = Оставить дело
web-withdrawn = Отозвано: ваше дело и документы в нём ({ $count }) удалены с сервера. Публичный журнал записал это (запись { $index }; квитанция проверена). Ваше кодовое имя больше ничего не открывает.
web-no-replies = Ответов от фонда пока нет.
web-manifest = SHA-256 манифеста страницы:
web-error-generic = Что-то пошло не так: { $detail }
web-error-network = Сервер недоступен. Проверьте соединение и попробуйте снова.
web-error-server = Сервер отказал: { $detail }
web-error-bad-root = Отпечаток введён с ошибкой: в нём 52 буквы и цифры, как его публикует фонд.
web-error-unknown-root = связка ключей подписана другим корневым ключом. Либо отпечаток неверен, либо кто-то выдаёт себя за фонд.
web-error-bad-signature = подпись связки ключей не сходится: возможно, её изменили.
web-error-bad-keyring = связка ключей повреждена.
web-error-keyring-rollback = сервер предлагает более старую связку ключей, чем уже виденная.
web-error-no-reviewers = в связке ключей нет рецензентов, поэтому ваше дело никто не смог бы прочитать.
web-error-receipt-mismatch = Квитанция описывает не эту загрузку. Документ отправлен, но сервер, возможно, ведёт себя неправильно; сообщите фонду.
web-error-bad-receipt = Квитанция сервера повреждена. Документ отправлен; сообщите фонду.
web-error-receipt-unsigned = Квитанция не подписана журналом фонда. Сообщите фонду.
web-error-receipt-bad-signature = Подпись квитанции не сходится. Сообщите фонду.
web-error-receipt-not-included = Квитанция не доказывает, что документ есть в журнале. Сообщите фонду.
web-error-hash-mismatch = Сервер сохранил не те байты, что были отправлены. Попробуйте снова.
web-error-file-changed = Файл изменился во время отправки. Выберите его снова.
web-error-upload-lost = Сервер потерял часть загрузки. Отправьте файл снова.

## Рабочее место сотрудника (`amanat staff ui`), в браузере.
ui-title = Аманат — рабочее место сотрудника
ui-language = Язык
ui-locked-title = Заблокировано
ui-locked-text = Рабочее место заблокировалось: вашего ключа больше нет в памяти, и на странице не осталось ничего расшифрованного. Введите пароль, чтобы продолжить.
ui-passphrase = Пароль вашего ключа сотрудника
ui-unlock = Разблокировать
ui-lock = Заблокировать
ui-wrong-passphrase = Этот пароль не открывает ваш ключ.
ui-loading = Дела расшифровываются на этом компьютере…
ui-cases = Дела
ui-reload = Обновить
ui-search = Поиск по анкетам (имя, место, слова)
ui-filter-status = Статус
ui-filter-assignee = Ответственный
ui-filter-city = Город
ui-filter-event = Событие
ui-filter-any = любой
ui-filter-unassigned = никто
ui-filter-missing-poa = Нет доверенности
ui-filter-not-acknowledged = Доверенность не подтверждена
ui-count = Показано { $shown } из { $total } дел
ui-col-case = Дело
ui-col-name = Имя
ui-col-status = Статус
ui-col-assignee = Ответственный
ui-col-received = Получено
ui-col-documents = Документы
ui-col-city = Город
ui-col-event = Событие
ui-doc-form = анкета
ui-doc-no-form = нет анкеты
ui-doc-poa = доверенность
ui-doc-no-poa = нет доверенности
ui-doc-acknowledged = принята
ui-doc-rejected = отклонена
ui-doc-unreadable = анкета не читается
ui-select-all = Выбрать все показанные
ui-ack-selected = Принять доверенности выбранных дел
ui-ack-done = Подтверждено: { $done }, не удалось: { $failed }.
ui-back = К списку
ui-form = Анкета обращения
ui-no-form = Анкеты пока нет.
ui-documents = Документы
ui-preview = Просмотр
ui-too-large = Слишком большой для просмотра здесь: сохраните дело в папку.
ui-download = Сохранить расшифрованное дело в папку
ui-folder = Папка (новая или пустая)
ui-downloaded = Расшифровано в { $dir }. Это открытый текст: храните его на зашифрованном диске и удалите, когда закончите.
ui-status = Статус
ui-assignee = Ответственный
ui-save = Сохранить
ui-note = Заметка для сотрудников (читают только они)
ui-reply = Ответ заявителю (он прочтёт его по кодовому имени)
ui-send-note = Добавить заметку
ui-send-reply = Отправить ответ
ui-share = Открыть доступ
ui-share-button = Открыть
ui-ack = Подтвердить эту доверенность
ui-accept = Принять
ui-reject = Отклонить, номер причины
ui-logged = Подписано здесь и записано в журнал под номером { $index }; квитанция проверена.
ui-activity = Действия
ui-conflict-reload = Обновить дело
ui-report = Приложение
ui-report-preview = Просмотр приложения
ui-report-export = Сохранить приложение в папку
ui-report-written = Записано: { $files }
ui-done = Готово.
ui-rekey = Открыть все мои дела для
ui-rekey-done = Открыт доступ к делам: { $shared }.
ui-labels = Метки (через запятую; зашифрованы, их читают только сотрудники)
ui-filter-label = Метка
ui-col-labels = Метки
ui-not-for-you = Заметка, написанная до того, как вам открыли это дело; она зашифрована не для вас.
ui-status-new = новое
ui-status-in-review = на рассмотрении
ui-status-needs-info = нужны сведения
ui-status-complete = полное
ui-status-included = включено
ui-status-rejected = отклонено
ui-status-closed = закрыто
ui-kind-appeal-form = анкета
ui-kind-power-of-attorney = доверенность
ui-kind-attachment = вложение
ui-kind-note = заметка
ui-kind-reply = ответ
