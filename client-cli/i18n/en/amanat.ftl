# The amanat client's interface, English. Every key here must exist in ru/ and kk/ too
# (client-cli/tests/wizard.rs checks). Keep the problem-* sentences identical to the
# protocol crate's Display texts: tests pin them.

## The wizard

wizard-intro = Appeal form to the foundation. Answer the questions one by one; press Enter to skip those marked (optional).
wizard-nothing-saved = Nothing is written to this device: your answers stay in memory and are encrypted before anything is sent. To stop at any time, press Ctrl-D.
wizard-fill-now = Fill in the appeal form now?
wizard-optional = (optional)
wizard-yes-no = [y/n]
wizard-yes-words = y, yes
wizard-no-words = n, no
wizard-answer-yes-no = Please answer y (yes) or n (no).
wizard-required = This answer is needed.
wizard-not-a-number = Write a number, digits only.
wizard-choose-one = Type the number of one item from the list.
wizard-choose-many = Type the numbers that apply, separated by commas (Enter for none).
wizard-lookalike = The word “{ $word }” mixes look-alike letters of different alphabets (for example a Latin “a” inside a Cyrillic name). Keep it exactly as typed?
wizard-add-another = Add another one?
wizard-confirm = Encrypt and send this form? Nothing has left this device yet.
wizard-cancelled = Cancelled: nothing was sent and nothing was saved.
wizard-still-problems = The form still has problems:
wizard-list-empty = none

## Sections

section-identity = About you
section-family = Family members
section-incidents = Detentions and other incidents
section-interrogations = Interrogations
section-admin = Administrative cases
section-criminal = Criminal cases
section-health = Torture, ill-treatment, health
section-pressure = Other pressure
section-attachments = Documents you attach
section-consent = What the foundation may publish
section-summary = Please check your answers

add-family = Was a family member touched by the persecution? Add one?
add-incident = Were you detained, questioned or otherwise targeted (at a rally, for a post …)? Add an incident?
add-interrogation = Were you interrogated? Add an interrogation?
add-admin = Was there an administrative case against you (e.g. article 488)? Add one?
add-criminal = Was there a criminal case in which you were a witness, suspect or accused? Add one?
add-health = Were you tortured, ill-treated, or harmed in your health? Add it?
add-pressure = Other pressure (surveillance, employer, family, exit ban …)? Add it?
add-attachment = Will you attach documents (court decisions, photos …)? Describe one?

## Fields

field-surname = Surname
field-given-name = Given name
field-patronymic = Patronymic (-ovich, -ovna, -uly, -kyzy …)
field-other-spellings = Other spellings of your name, separated by commas
field-age = Age, in years
field-date-of-birth = Date of birth (YYYY-MM-DD)
field-city = Home city, town or province
field-country-abroad = If you live abroad now: the country
field-status-abroad = Your status there (e.g. asylum seeker)
field-citizenship = Citizenship
field-occupation = Occupation or role (blogger, journalist, trade unionist …)
field-relation = Relation (mother, son, husband …)
field-relative-age = Their age
field-relative-note = What happened to them
field-event = What was it?
field-date = Date (YYYY-MM-DD)
field-start-time = From what time (HH:MM)
field-end-time = Until what time (HH:MM)
field-incident-city = City or town
field-place = Place (square, street, police station)
field-activity = What were you doing (protesting, passing by, filming …)?
field-detained = Were you detained?
field-authorities = Who was there?
field-flags = What happened to you?
field-recorded = What did they write down about you?
field-papers = Did they make you sign anything?
field-items-seized = Items seized
field-injuries = Injuries
field-minors = Were minors present?
field-description = Describe what happened
field-body = Which body questioned you?
field-brought-by = How were you brought in?
field-questions = What were you asked?
field-threats = Threats and demands
field-admin-article = Administrative Code article (e.g. 488)
field-part = Part of the article
field-hearing-night = Was the hearing at night?
field-lawyer-present = Was a lawyer present?
field-outcome = Outcome
field-arrest-days = Days of arrest
field-fine = Fine, in whole tenge
field-status = Your status in the case
field-criminal-article = Criminal Code article (e.g. 174)
field-basis = What does the charge rest on?
field-restraint = Measure of restraint
field-sentence = Sentence and bans
field-repentance = Were you forced to “repent” publicly?
field-what-was-done = What was done to you?
field-facility = Where (facility)
field-findings = Medical findings
field-care-denied = Was medical care denied?
field-complaint-filed = Did you file a complaint?
field-hospitalised = Were you forcibly hospitalised?
field-pressure-kind = What kind of pressure?
field-attachment-kind = What is the document?
field-note = Note
field-publish-name = May the foundation publish your name in the list of complainants?
field-publish-age = May it publish your age?
field-publish-city = May it publish your city?
field-publish-occupation = May it publish your occupation?

## Lists

event-rally-2018-05-10 = Detention at the 10 May 2018 rally against torture and political persecution
event-rally-2018-06-23 = Detention at the 23 June 2018 rally for free education
event-preventive-2018-07-06 = Preventive detention on 6 July 2018
event-ep-delegation-2018-09 = Detention on 17–18 September 2018 (European Parliament delegation)
event-blue-balloons = Detained or questioned for blue balloons or ribbons
event-explanatory-note = Interrogated to hand over an “explanatory note”
event-social-media-prosecution = Prosecuted for posts in social-network chats
event-other = Something else (describe it)

authority-police = police
authority-internal-affairs = internal affairs
authority-national-security = national security committee
authority-prosecutor = prosecutor's office
authority-local-administration = local administration (akimat)
authority-plain-clothes = people in plain clothes
authority-other = other

flag-lawyer-denied = a lawyer was denied
flag-call-denied = a call to relatives was denied
flag-phone-seized = phone seized
flag-videos-deleted = videos deleted
flag-fingerprinted = fingerprinted
flag-photographed = photographed

recorded-id-number = ID number
recorded-address = address
recorded-workplace = workplace
recorded-family = family
recorded-phone-imei = phone IMEI
recorded-other = other

paper-explanatory-note = an “explanatory note”
paper-renunciation = a renunciation
paper-pledge-not-to-attend = a pledge not to attend rallies
paper-other = other

brought-summons = by summons
brought-forced = by force
brought-lured = lured by a pretext
brought-other = other

outcome-arrest = administrative arrest
outcome-fine = fine
outcome-warning = warning
outcome-closed = case closed
outcome-pending = not decided yet

status-witness = witness
status-suspect = suspect
status-accused = accused
status-convicted = convicted
status-acquitted = acquitted

pressure-surveillance = surveillance
pressure-family = pressure through family
pressure-school = pressure through school or university
pressure-employer = pressure through the employer
pressure-landlord = pressure through the landlord
pressure-exit-ban = exit ban
pressure-wanted-list = put on a wanted list
pressure-extradition = extradition request
pressure-attack = attack
pressure-lawyer-pressured = the lawyer was pressured
pressure-other = other

attachment-seizure-record = seizure record
attachment-interrogation-record = interrogation record
attachment-court-decision = court decision
attachment-photo = photo
attachment-video = video
attachment-medical-record = medical record
attachment-other = other

## Summary

summary-yes = yes
summary-no = no
summary-days = { $days } days
summary-tenge = { $tenge } tenge

## Validation (same sentences as the protocol crate's English)

problem-syntax = the file is not a valid form: { $detail }
problem-version = must be 1 or 2
problem-empty = must not be empty
problem-text = must be at most { $max } printable characters
problem-age = must be between { $min } and { $max }
problem-unknown-event = must be one of { $events }
problem-other-needs-text = say what happened when the event is "other"
problem-bad-date = must be a real date written YYYY-MM-DD
problem-future-date = must not be in the future
problem-date-order = must not be earlier than { $after }
problem-bad-time = must be a time written HH:MM, e.g. 14:30
problem-bad-article = must be an article number such as 488 or 73-1 (the part goes in its own field)
problem-bad-part = must be a part number from 1 to { $max }
problem-arrest-days = must be a number of days from 1 to { $max }
problem-missing-arrest-days = give the number of days of arrest
problem-fine = must be a whole number of tenge from 1 to { $max }
problem-missing-fine = give the fine in whole tenge
problem-only-with-outcome = only applies when the outcome is { $outcome }
problem-document-number = must be the document's number: 6 to 12 letters and digits
problem-no-powers = name at least one power granted

form-has-problems = the appeal form { $label } has problems:
form-fix-hint = fix these fields and run the command again; nothing was sent
lang-unknown = unknown language { $lang }
lang-hint = use --lang kk, --lang ru or --lang en

## The report (staff)

report-title = List of persons on whose behalf this complaint has been filed
report-headline = { $people } { $people ->
    [one] person
   *[other] people
  } from { $places } { $places ->
    [one] city or town
   *[other] cities and towns
  }
report-aged = aged { $age }
report-age-not-stated = age not stated
report-name-withheld = [name withheld at the person's request]
report-place-withheld = Place not published
report-figures = Figures (complete cases only)
report-by-event = Complainants per event
report-event = Event
report-people = People
report-by-kind = Kinds of persecution
report-detentions = Detentions: { $count } (of { $people } people)
report-arrests = Administrative arrests: { $count }, { $days } days in total
report-fines = Fines: { $count }, { $tenge } tenge in total
report-criminal = Criminal cases: { $count }
report-chart-detentions = Detentions
report-chart-arrests = Administrative arrests
report-chart-fines = Fines
report-chart-criminal = Criminal cases
report-by-article = Criminal cases by article
report-article = Article
report-article-label = Article { $article }
report-cases = Cases
report-by-place = Complainants per city or town
report-place = City or town
report-follow-up = Cases to follow up (internal, do not publish)
report-follow-up-note = These cases do not count in the annex yet.
report-missing-form = No appeal form
report-unreadable-form = Appeal form unreadable or invalid
report-missing-poa = No power of attorney
report-poa-pending = Power of attorney not yet acknowledged
report-poa-rejected = Power of attorney rejected
report-lookalikes = Names mixing look-alike letters of two alphabets (check them)
report-written = Report of { $complete } complete case(s) out of { $cases } written to { $dir }.
report-encrypted = The files are age-encrypted to your own key: open them with `age -d -i` and your identity.
report-plaintext = These files are plaintext: keep them on an encrypted disk, or use --encrypt.
search-none = No case matches “{ $query }”.
search-found = { $count ->
    [one] One case matches:
   *[other] { $count } cases match:
  }

## The web page (web/: exported at build time by web/build.mjs)

web-title = Amanat: appeal to the foundation
web-language = Language
web-intro = Everything you enter and attach is encrypted on this device before it is sent. The server receives only ciphertext; only the foundation's reviewers can read it.
web-preparing = Preparing… (this device is solving a small puzzle that protects the server from floods)
web-deriving = Deriving your case keys from the codename… (this can take a minute on an old phone)
web-foundation = The foundation
web-root-hint = The foundation publishes its root fingerprint (52 letters and digits) in its own channels. Compare it with what you see here: the page encrypts only to reviewers that key has signed.
web-root = Root fingerprint
web-check = Check
web-checking = Checking the foundation's keyring…
web-keyring-ok = The keyring (version { $version }) is signed by this root. Reviewers who will be able to read your case: { $reviewers }.
web-keyring-rotated = The foundation has handed its root key over to a new one, { $root }: both keys signed the handover, and the public log records it. The keyring (version { $version }) is signed by the new root. Reviewers who will be able to read your case: { $reviewers }.
web-keyring-refused = Nothing will be sent: { $reason }
web-new-case = A new appeal
web-nothing-stored = Nothing is saved in this browser. If you close the page before sending, what you typed is gone.
web-add-incident = Add another incident
web-documents = Documents
web-poa = Power of attorney (photo or scan of the signed page)
web-attachments = Other files: photos, court papers, video (optional)
web-send = Encrypt and send
web-form-problems = Please correct these fields; nothing has been sent:
web-the-form = Appeal form
web-rate = { $done } of { $total }, { $rate }/s, about { $eta } s left
web-retrying = Connection lost; trying again in { $seconds } s…
web-sent = Done: { $count } document(s) received by the server, encrypted.
web-receipt-ok = received, receipt verified
web-receipt-none = received (the foundation's keyring names no log, so there is no receipt to check)
web-save-receipt = Save the receipt
web-codename-title = Your codename
web-codename-once = It is shown only now. Learn it by heart or write it where nobody will find it. With it you can read the foundation's replies and add documents later, from any device.
web-practice = Practise: type the codename from memory
web-practice-ok = Correct.
web-practice-other = That is not the codename shown above. Try again.
web-practice-word = Word { $n } is not in the word list.
web-codename-hide = I have it: hide the codename
web-codename-hidden = The codename is hidden. It cannot be shown again.
web-return = I already have a codename
web-return-hint = Type your codename to read the foundation's replies, or to add documents to your case.
web-codename = Codename
web-codename-bad = That is not a valid codename: check the words and their order.
web-add-files = Files to add (optional)
web-open-inbox = Open my case
web-no-such-case = No case was found for this codename.
web-case-status = Your case: { $status }, { $count } document(s).
web-withdraw = Withdraw my case
web-withdraw-explain = Withdrawing deletes your case, every document you sent, the foundation's replies and its reviewers' access from the server, for good. Copies reviewers already downloaded stay with them; the public log keeps only a record that a case was withdrawn.
web-withdraw-confirm = Yes, delete my case for good
web-withdraw-cancel = Keep my case
web-withdrawn = Withdrawn: your case and its { $count } document(s) are deleted from the server. The public log records it (entry { $index }; receipt checked). Your codename no longer opens anything.
web-no-replies = No replies from the foundation yet.
web-manifest = Page manifest SHA-256:
web-error-generic = Something went wrong: { $detail }
web-error-network = The server cannot be reached. Check the connection and try again.
web-error-server = The server refused: { $detail }
web-error-bad-root = The root fingerprint is mistyped: it has 52 letters and digits, as the foundation publishes it.
web-error-unknown-root = the keyring is signed by another root key. Either the fingerprint is wrong or someone is impersonating the foundation.
web-error-bad-signature = the keyring's signature does not verify: someone may have altered it.
web-error-bad-keyring = the keyring is malformed.
web-error-keyring-rollback = the server offers an older keyring than the one already seen.
web-error-no-reviewers = the keyring names no reviewers, so nobody could read your case.
web-error-receipt-mismatch = The receipt records something other than this upload. Your document was sent, but the server may be misbehaving; tell the foundation.
web-error-bad-receipt = The server's receipt is malformed. Your document was sent; tell the foundation.
web-error-receipt-unsigned = The receipt is not signed by the foundation's log. Tell the foundation.
web-error-receipt-bad-signature = The receipt's signature does not verify. Tell the foundation.
web-error-receipt-not-included = The receipt does not prove the document is in the log. Tell the foundation.
web-error-hash-mismatch = The server stored other bytes than were sent. Try again.
web-error-file-changed = The file changed while it was being sent. Choose it again.
web-error-upload-lost = The server lost part of the upload. Send the file again.

## The staff workspace (`amanat staff ui`), in the browser.
ui-title = Amanat — staff workspace
ui-language = Language
ui-locked-title = Locked
ui-locked-text = The workspace locked itself: your key is no longer in memory and nothing decrypted is left in this page. Type your passphrase to go on.
ui-passphrase = Passphrase of your staff key
ui-unlock = Unlock
ui-lock = Lock now
ui-wrong-passphrase = That passphrase does not open your key.
ui-loading = Decrypting the cases on this computer…
ui-cases = Cases
ui-reload = Reload
ui-search = Search the forms (name, place, words)
ui-filter-status = Status
ui-filter-assignee = Assignee
ui-filter-city = City
ui-filter-event = Event
ui-filter-any = any
ui-filter-unassigned = nobody
ui-filter-missing-poa = Missing power of attorney
ui-filter-not-acknowledged = Power of attorney not acknowledged
ui-count = { $shown } of { $total } cases shown
ui-col-case = Case
ui-col-name = Name
ui-col-status = Status
ui-col-assignee = Assignee
ui-col-received = Received
ui-col-documents = Documents
ui-col-city = City
ui-col-event = Event
ui-doc-form = form
ui-doc-no-form = no appeal form
ui-doc-poa = power of attorney
ui-doc-no-poa = no power of attorney
ui-doc-acknowledged = accepted
ui-doc-rejected = rejected
ui-doc-unreadable = form unreadable
ui-select-all = Select all shown
ui-ack-selected = Accept the powers of attorney of the selected cases
ui-ack-done = { $done } acknowledged, { $failed } failed.
ui-back = Back to the list
ui-form = Appeal form
ui-no-form = No appeal form yet.
ui-documents = Documents
ui-preview = Preview
ui-too-large = Too large to preview here: download the case to a folder.
ui-download = Download the decrypted case to a folder
ui-folder = Folder (new or empty)
ui-downloaded = Decrypted into { $dir }. This is plaintext: keep it on an encrypted disk and delete it when done.
ui-status = Status
ui-assignee = Assignee
ui-save = Save
ui-note = Note to reviewers (they alone can read it)
ui-reply = Reply to the complainant (they read it with their codename)
ui-send-note = Add the note
ui-send-reply = Send the reply
ui-share = Share with
ui-share-button = Share
ui-ack = Acknowledge this power of attorney
ui-accept = Accept
ui-reject = Reject, reason number
ui-logged = Signed here and logged as entry { $index }; the receipt was checked.
ui-activity = Activity
ui-conflict-reload = Reload the case
ui-report = Annex
ui-report-preview = Preview of the annex
ui-report-export = Export the annex to a folder
ui-report-written = Written: { $files }
ui-done = Done.
ui-rekey = Share all the cases I can open with
ui-rekey-done = Shared { $shared } case(s).
ui-labels = Labels (separated by commas; encrypted, only reviewers read them)
ui-filter-label = Label
ui-col-labels = Labels
ui-not-for-you = A note written before you could read this case; it is not encrypted to you.
ui-status-new = new
ui-status-in-review = in review
ui-status-needs-info = needs information
ui-status-complete = complete
ui-status-included = included
ui-status-rejected = rejected
ui-status-closed = closed
ui-kind-appeal-form = appeal form
ui-kind-power-of-attorney = power of attorney
ui-kind-attachment = attachment
ui-kind-note = note
ui-kind-reply = reply
