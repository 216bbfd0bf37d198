/*
 * monitor_i18n.c — the bulletin's words in English, Arabic and Russian (issue 18).
 *
 * Every fixed text of the bulletin is written in English in the code, and that English
 * text is the key of its translations here (gettext's way): mon_tr(lang, "Summary") is
 * "الملخص" in Arabic, "Сводка" in Russian. A text the catalogue lacks (a name: a party,
 * an actor, an agreement) comes back as it is. Format strings keep their conversions in
 * the same order in every language (tests/unit/test_monitor_i18n.c checks it). Numbers,
 * dates and times are the same in every language: Western digits, RFC 3339 UTC.
 */
#include <string.h>

#include "base/names.h"
#include "engines/monitor.h"

static const mon_msg catalogue[] = {
    /* the document */
    {"Daily bulletin %s", "النشرة اليومية %s", "Ежедневный бюллетень %s"},
    {"The 24 hours from %s to %s (ending %02d:00 on %s at UTC%s).",
     "الساعات الأربع والعشرون من %s إلى %s (حتى الساعة %02d:00 من يوم %s بتوقيت UTC%s).",
     "24 часа с %s по %s (до %02d:00 %s по времени UTC%s)."},
    {"Summary", "الملخص", "Сводка"},
    {"Measure", "المؤشر", "Показатель"},
    {"Value", "القيمة", "Значение"},
    {"Today", "اليوم", "Сегодня"},
    {"Previous day", "اليوم السابق", "Предыдущий день"},
    {"Change", "التغير", "Изменение"},
    {"Violations", "الانتهاكات", "Нарушения"},
    {"Killed", "القتلى", "Погибшие"},
    {"Injured", "الجرحى", "Раненые"},
    {"unknown", "غير معروف", "неизвестно"},
    {"None.", "لا يوجد.", "Нет."},
    {"Incidents that occurred in the window, by classification", "الحوادث التي وقعت خلال الفترة، حسب التصنيف",
     "Инциденты, произошедшие за этот период, по классификации"},
    {"Classification", "التصنيف", "Классификация"},
    {"Incidents", "الحوادث", "Инциденты"},
    {"violation", "انتهاك", "нарушение"},
    {"not covered", "غير مشمول باتفاق", "вне соглашений"},
    {"undetermined", "غير محدد", "не определено"},
    {"Violations by region", "الانتهاكات حسب المنطقة", "Нарушения по регионам"},
    {"Violations by alleged party", "الانتهاكات حسب الطرف المتهم", "Нарушения по предполагаемым сторонам"},
    {"Violations by type", "الانتهاكات حسب النوع", "Нарушения по типам"},
    {"Region", "المنطقة", "Регион"},
    {"Alleged party", "الطرف المتهم", "Предполагаемая сторона"},
    {"Type", "النوع", "Тип"},
    {"(none)", "(غير محددة)", "(не указан)"},
    {"(unknown)", "(غير معروف)", "(неизвестно)"},
    {"Grades of today's violations", "درجات تقييم انتهاكات اليوم", "Оценки сегодняшних нарушений"},
    {"Grade", "الدرجة", "Оценка"},
    {"single source", "مصدر واحد", "один источник"},
    {"corroborated", "مدعوم بمصدر آخر", "подкреплено"},
    {"confirmed", "مؤكد", "подтверждено"},
    {"contested", "متنازع عليه", "оспаривается"},
    {"discounted", "مستبعد", "отклонено"},
    /* new and changed incidents */
    {"Incidents first reported in this window", "حوادث أُبلغ عنها لأول مرة خلال هذه الفترة",
     "Инциденты, о которых впервые сообщено за этот период"},
    {"Incidents whose first report the centre received in these 24 hours, whenever they occurred. "
     "The violations above are counted by when they occurred.",
     "حوادث تلقّى المركز أول بلاغ عنها خلال هذه الساعات الأربع والعشرين، أيًّا كان وقت وقوعها. أما الانتهاكات "
     "أعلاه فتُحتسب بحسب وقت وقوعها.",
     "Инциденты, первое сообщение о которых центр получил за эти 24 часа, когда бы они ни произошли. "
     "Нарушения "
     "выше учитываются по времени, когда они произошли."},
    {"Older incidents updated in this window", "حوادث سابقة حُدِّثت خلال هذه الفترة",
     "Ранее известные инциденты, обновлённые за этот период"},
    {"Incidents first reported before this window that received reports, responses, verdicts, grade changes "
     "or regroupings in it.",
     "حوادث أُبلغ عنها قبل هذه الفترة وتلقّت خلالها بلاغات أو ردودًا أو أحكامًا أو تغييرًا في الدرجة أو إعادة "
     "تجميع.",
     "Инциденты, о которых впервые сообщено до этого периода и по которым за него поступили сообщения, "
     "ответы, "
     "заключения, изменения оценки или перегруппировки."},
    {"Incident", "الحادثة", "Инцидент"},
    {"Occurred at", "وقت الوقوع", "Время"},
    {"Alleged perpetrator", "الجهة المتهمة", "Предполагаемый исполнитель"},
    {"Reports", "البلاغات", "Сообщения"},
    {"What changed", "ما الذي تغيّر", "Что изменилось"},
    {"new reports: %lld", "بلاغات جديدة: %lld", "новых сообщений: %lld"},
    {"grade %s → %s", "الدرجة من %s إلى %s", "оценка: %s → %s"},
    {"response from %s: %s", "رد من %s: %s", "ответ %s: %s"},
    {"verdict of %s: %s", "حكم %s: %s", "заключение %s: %s"},
    {"split by %s", "فُصلت بواسطة %s", "разделён: %s"},
    {"merged by %s", "دُمجت بواسطة %s", "объединён: %s"},
    {"updated", "حُدِّثت", "обновлён"},
    {"accept", "إقرار", "признание"},
    {"deny", "نفي", "отрицание"},
    {"comment", "تعليق", "комментарий"},
    {"confirm", "تأكيد", "подтверждение"},
    {"reject", "رفض", "отклонение"},
    {"reopen", "إعادة فتح", "повторное рассмотрение"},
    /* agreement steps */
    {"Agreement steps", "خطوات الاتفاقات", "Шаги соглашений"},
    {"Status", "الحالة", "Статус"},
    {"Step", "الخطوة", "Шаг"},
    {"Agreement", "الاتفاق", "Соглашение"},
    {"Title (responsible)", "العنوان (الجهة المسؤولة)", "Название (ответственный)"},
    {"Deadline", "الموعد النهائي", "Срок"},
    {"Done at", "وقت الإنجاز", "Выполнено"},
    {"due", "مستحقة", "срок наступает"},
    {"overdue", "متأخرة", "просрочен"},
    {"done", "منجزة", "выполнен"},
    {"none", "لا يوجد", "нет"},
    /* mine action (centre_mine.c) */
    {"Mine action", "الأعمال المتعلقة بالألغام", "Противоминная деятельность"},
    {"land released (m2)", "الأراضي المحررة (م²)", "высвобождено земли (м²)"},
    {"cleared (m2)", "المطهّرة (م²)", "очищено (м²)"},
    {"reduced (m2)", "المقلّصة (م²)", "сокращено (м²)"},
    {"cancelled (m2)", "الملغاة (م²)", "исключено (м²)"},
    {"hazards worked", "المناطق الخطرة التي عُمل فيها", "обработано опасных районов"},
    {"items found", "الأجسام المعثور عليها", "найдено предметов"},
    {"items destroyed", "الأجسام المدمّرة", "уничтожено предметов"},
    {"demining accidents", "حوادث إزالة الألغام", "несчастные случаи при разминировании"},
    {"civilian accidents", "حوادث المدنيين", "несчастные случаи с гражданскими"},
    {"killed", "القتلى", "погибшие"},
    {"injured", "الجرحى", "раненые"},
    /* movements (centre_dc_state.c) */
    /* issue 20: separation and aid delivered */
    {"Separation", "الفصل", "Размежевание"},
    {"Public agreements with excluded actors: the ground where the excluded actors' designated areas overlap "
     "each "
     "party's control areas at the end of these 24 hours, and the incidents by excluded actors inside that "
     "party's "
     "areas.",
     "الاتفاقات العلنية التي تستثني جهات: الأرض التي تتداخل فيها المناطق المحددة للجهات المستثناة مع مناطق "
     "سيطرة كل "
     "طرف في نهاية هذه الساعات الأربع والعشرين، والحوادث التي ارتكبتها الجهات المستثناة داخل مناطق ذلك "
     "الطرف.",
     "Публичные соглашения с исключёнными группировками: территория, где районы исключённых группировок "
     "пересекаются с районами контроля каждой стороны на конец этих 24 часов, и инциденты с участием "
     "исключённых "
     "группировок в районах этой стороны."},
    {"Party", "الطرف", "Сторона"},
    {"Commingled km2", "الأرض المختلطة (كم²)", "Смешанная территория (км²)"},
    {"Incidents by excluded actors in its areas", "حوادث الجهات المستثناة في مناطقه",
     "Инциденты исключённых группировок в её районах"},
    {"Aid delivered", "المساعدات المسلّمة", "Доставленная помощь"},
    {"Public movements whose final status fell in these 24 hours, and the people reported to have crossed "
     "corridors.",
     "التحركات العلنية التي بلغت حالتها النهائية خلال هذه الساعات الأربع والعشرين، والأشخاص الذين أُفيد "
     "بعبورهم "
     "الممرات.",
     "Публичные передвижения, завершившиеся за эти 24 часа, и люди, прошедшие через коридоры по сообщениям."},
    {"Tonnes delivered", "الأطنان المسلّمة", "Доставлено тонн"},
    {"Tonnes on aborted movements", "أطنان التحركات الملغاة", "Тонн в прерванных передвижениях"},
    {"Tonnes on movements hit", "أطنان التحركات التي تعرضت لحادث",
     "Тонн в передвижениях, подвергшихся нападению"},
    {"People who crossed corridors (lowest count)", "الأشخاص الذين عبروا الممرات (أدنى عدد)",
     "Прошли через коридоры (наименьшее число)"},
    {"People who crossed corridors (highest count)", "الأشخاص الذين عبروا الممرات (أعلى عدد)",
     "Прошли через коридоры (наибольшее число)"},
    {"Movements", "التحركات", "Передвижения"},
    {"Public movements whose window overlaps these 24 hours: what they carry, and the parties whose "
     "acknowledgement is still missing.",
     "التحركات العلنية التي تتقاطع فترتها مع هذه الساعات الأربع والعشرين: ما تحمله، والأطراف التي لم يصل "
     "إقرارها "
     "بعد.",
     "Публичные передвижения, период которых пересекается с этими 24 часами: что они везут и чьё "
     "подтверждение ещё "
     "не получено."},
    {"Movement", "التحرك", "Передвижение"},
    {"Kind", "النوع", "Вид"},
    {"Name", "الاسم", "Название"},
    {"Notified by", "الجهة المُخطِرة", "Уведомитель"},
    {"Window", "الفترة", "Период"},
    {"Cargo", "الحمولة", "Груз"},
    {"Organisations", "المنظمات", "Организации"},
    {"Vehicles", "المركبات", "Транспорт"},
    {"Personnel", "الأفراد", "Персонал"},
    {"Cleared", "مُصرَّح به", "Согласовано"},
    {"Awaiting", "بانتظار", "Ожидается от"},
    {"convoy", "قافلة", "конвой"},
    {"evacuation", "إجلاء", "эвакуация"},
    {"planned", "مخطط", "запланировано"},
    {"notified", "مُخطَر به", "уведомлено"},
    {"en route", "في الطريق", "в пути"},
    {"arrived", "وصل", "прибыло"},
    {"aborted", "أُلغي", "прервано"},
    {"incident", "وقعت حادثة", "инцидент"},
    {"yes", "نعم", "да"},
    {"no", "لا", "нет"},
    {"food", "غذاء", "продовольствие"},
    {"medical", "إمدادات طبية", "медикаменты"},
    {"nutrition", "تغذية", "питание"},
    {"shelter", "مأوى", "укрытие"},
    {"non-food items", "مواد غير غذائية", "непродовольственные товары"},
    {"water and sanitation", "مياه وصرف صحي", "вода и санитария"},
    {"education", "تعليم", "образование"},
    {"fuel", "وقود", "топливо"},
    {"other", "أخرى", "другое"},
    {"%s t", "%s طن", "%s т"},
    /* ACLED's event and sub-event types */
    {"Battles", "معارك", "Бои"},
    {"Explosions/Remote violence", "انفجارات/عنف عن بُعد", "Взрывы/дистанционное насилие"},
    {"Violence against civilians", "عنف ضد المدنيين", "Насилие против гражданских лиц"},
    {"Protests", "احتجاجات", "Протесты"},
    {"Riots", "أعمال شغب", "Беспорядки"},
    {"Strategic developments", "تطورات استراتيجية", "Стратегические события"},
    {"Armed clash", "اشتباك مسلح", "Вооружённое столкновение"},
    {"Government regains territory", "استعادة الحكومة لأراضٍ", "Правительство возвращает территорию"},
    {"Non-state actor overtakes territory", "سيطرة جهة غير حكومية على أراضٍ",
     "Негосударственная сторона захватывает территорию"},
    {"Chemical weapon", "سلاح كيميائي", "Химическое оружие"},
    {"Air/drone strike", "غارة جوية/بطائرة مسيّرة", "Авиаудар/удар беспилотника"},
    {"Suicide bomb", "تفجير انتحاري", "Взрыв смертника"},
    {"Shelling/artillery/missile attack", "قصف/هجوم مدفعي/صاروخي", "Обстрел/артиллерийский/ракетный удар"},
    {"Remote explosive/landmine/IED", "عبوة ناسفة/لغم أرضي/عبوة مرتجلة", "Взрывное устройство/мина/СВУ"},
    {"Grenade", "قنبلة يدوية", "Граната"},
    {"Sexual violence", "عنف جنسي", "Сексуальное насилие"},
    {"Attack", "هجوم", "Нападение"},
    {"Abduction/forced disappearance", "اختطاف/إخفاء قسري", "Похищение/насильственное исчезновение"},
    {"Peaceful protest", "احتجاج سلمي", "Мирный протест"},
    {"Protest with intervention", "احتجاج مع تدخل", "Протест с вмешательством"},
    {"Excessive force against protesters", "قوة مفرطة ضد المحتجين", "Чрезмерная сила против протестующих"},
    {"Violent demonstration", "تظاهرة عنيفة", "Насильственная демонстрация"},
    {"Mob violence", "عنف جماعي", "Насилие толпы"},
    {"Arrests", "اعتقالات", "Аресты"},
    {"Change to group/activity", "تغيّر في الجماعة/النشاط", "Изменение группы/деятельности"},
    {"Disrupted weapons use", "إحباط استخدام أسلحة", "Предотвращённое применение оружия"},
    {"Headquarters or base established", "إنشاء مقر أو قاعدة", "Создание штаба или базы"},
    {"Looting/property destruction", "نهب/تدمير ممتلكات", "Мародёрство/уничтожение имущества"},
    {"Non-violent transfer of territory", "نقل سلمي للأراضي", "Ненасильственная передача территории"},
    {"Other", "أخرى", "Другое"},
};
#define NCATALOGUE (sizeof catalogue / sizeof *catalogue)

static const char *const lang_codes[] = {"en", "ar", "ru"};
TR_NAMES_DEFINE_PARSE(mon_lang, mon_lang, lang_codes, MON_LANG_COUNT)

const char *mon_lang_code(mon_lang l) {
    return l == MON_LANG_AR ? "ar" : l == MON_LANG_RU ? "ru" : "en";
}

bool mon_lang_rtl(mon_lang l) {
    return l == MON_LANG_AR;
}

const char *mon_tr(mon_lang lang, const char *msgid) {
    if (lang == MON_LANG_EN || !msgid) return msgid;
    for (size_t i = 0; i < NCATALOGUE; i++)
        if (strcmp(catalogue[i].en, msgid) == 0)
            return lang == MON_LANG_AR ? catalogue[i].ar : catalogue[i].ru;
    return msgid;
}

const mon_msg *mon_catalogue(size_t *n) {
    *n = NCATALOGUE;
    return catalogue;
}
