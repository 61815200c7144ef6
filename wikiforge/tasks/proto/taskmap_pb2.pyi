import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class HTMLDocument(_message.Message):
    __slots__ = ("html", "url", "url_host_registered_domain", "fetch_time", "fetch_status", "warc_filename", "warc_record_offset", "warc_record_length", "crawl", "warc_segment")
    HTML_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    URL_HOST_REGISTERED_DOMAIN_FIELD_NUMBER: _ClassVar[int]
    FETCH_TIME_FIELD_NUMBER: _ClassVar[int]
    FETCH_STATUS_FIELD_NUMBER: _ClassVar[int]
    WARC_FILENAME_FIELD_NUMBER: _ClassVar[int]
    WARC_RECORD_OFFSET_FIELD_NUMBER: _ClassVar[int]
    WARC_RECORD_LENGTH_FIELD_NUMBER: _ClassVar[int]
    CRAWL_FIELD_NUMBER: _ClassVar[int]
    WARC_SEGMENT_FIELD_NUMBER: _ClassVar[int]
    html: str
    url: str
    url_host_registered_domain: str
    fetch_time: str
    fetch_status: int
    warc_filename: str
    warc_record_offset: int
    warc_record_length: int
    crawl: str
    warc_segment: str
    def __init__(self, html: _Optional[str] = ..., url: _Optional[str] = ..., url_host_registered_domain: _Optional[str] = ..., fetch_time: _Optional[str] = ..., fetch_status: _Optional[int] = ..., warc_filename: _Optional[str] = ..., warc_record_offset: _Optional[int] = ..., warc_record_length: _Optional[int] = ..., crawl: _Optional[str] = ..., warc_segment: _Optional[str] = ...) -> None: ...

class Ingredient(_message.Message):
    __slots__ = ("name", "amount")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    amount: str
    def __init__(self, name: _Optional[str] = ..., amount: _Optional[str] = ...) -> None: ...

class ReplacedIngredient(_message.Message):
    __slots__ = ("original", "replacement")
    ORIGINAL_FIELD_NUMBER: _ClassVar[int]
    REPLACEMENT_FIELD_NUMBER: _ClassVar[int]
    original: Ingredient
    replacement: Ingredient
    def __init__(self, original: _Optional[_Union[Ingredient, _Mapping]] = ..., replacement: _Optional[_Union[Ingredient, _Mapping]] = ...) -> None: ...

class TaskMap(_message.Message):
    __slots__ = ("taskmap_id", "title", "date", "source_url", "description", "voice_summary", "thumbnail_url", "active_time_minutes", "total_time_minutes", "rating_out_100", "tags", "requirement_list", "serves", "extra_information", "faq", "steps", "recommendation_list", "condition_list", "connection_list", "headless", "dataset", "author", "rating_count", "domain_name", "difficulty", "views", "logic_nodes_list", "actions_list", "replaced_ingredients", "extraction_layer")
    class FAQ(_message.Message):
        __slots__ = ("question", "answer")
        QUESTION_FIELD_NUMBER: _ClassVar[int]
        ANSWER_FIELD_NUMBER: _ClassVar[int]
        question: str
        answer: str
        def __init__(self, question: _Optional[str] = ..., answer: _Optional[str] = ...) -> None: ...
    TASKMAP_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_URL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    VOICE_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    THUMBNAIL_URL_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_TIME_MINUTES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TIME_MINUTES_FIELD_NUMBER: _ClassVar[int]
    RATING_OUT_100_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    REQUIREMENT_LIST_FIELD_NUMBER: _ClassVar[int]
    SERVES_FIELD_NUMBER: _ClassVar[int]
    EXTRA_INFORMATION_FIELD_NUMBER: _ClassVar[int]
    FAQ_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    RECOMMENDATION_LIST_FIELD_NUMBER: _ClassVar[int]
    CONDITION_LIST_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_LIST_FIELD_NUMBER: _ClassVar[int]
    HEADLESS_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    RATING_COUNT_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_NAME_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    LOGIC_NODES_LIST_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_LIST_FIELD_NUMBER: _ClassVar[int]
    REPLACED_INGREDIENTS_FIELD_NUMBER: _ClassVar[int]
    EXTRACTION_LAYER_FIELD_NUMBER: _ClassVar[int]
    taskmap_id: str
    title: str
    date: str
    source_url: str
    description: str
    voice_summary: str
    thumbnail_url: str
    active_time_minutes: int
    total_time_minutes: int
    rating_out_100: int
    tags: _containers.RepeatedScalarFieldContainer[str]
    requirement_list: _containers.RepeatedCompositeFieldContainer[Requirement]
    serves: str
    extra_information: _containers.RepeatedCompositeFieldContainer[ExtraInfo]
    faq: _containers.RepeatedCompositeFieldContainer[TaskMap.FAQ]
    steps: _containers.RepeatedCompositeFieldContainer[ExecutionStep]
    recommendation_list: _containers.RepeatedCompositeFieldContainer[Recommendation]
    condition_list: _containers.RepeatedCompositeFieldContainer[Condition]
    connection_list: _containers.RepeatedCompositeFieldContainer[Connection]
    headless: bool
    dataset: str
    author: str
    rating_count: int
    domain_name: str
    difficulty: str
    views: int
    logic_nodes_list: _containers.RepeatedCompositeFieldContainer[LogicNode]
    actions_list: _containers.RepeatedCompositeFieldContainer[Action]
    replaced_ingredients: _containers.RepeatedCompositeFieldContainer[ReplacedIngredient]
    extraction_layer: str
    def __init__(self, taskmap_id: _Optional[str] = ..., title: _Optional[str] = ..., date: _Optional[str] = ..., source_url: _Optional[str] = ..., description: _Optional[str] = ..., voice_summary: _Optional[str] = ..., thumbnail_url: _Optional[str] = ..., active_time_minutes: _Optional[int] = ..., total_time_minutes: _Optional[int] = ..., rating_out_100: _Optional[int] = ..., tags: _Optional[_Iterable[str]] = ..., requirement_list: _Optional[_Iterable[_Union[Requirement, _Mapping]]] = ..., serves: _Optional[str] = ..., extra_information: _Optional[_Iterable[_Union[ExtraInfo, _Mapping]]] = ..., faq: _Optional[_Iterable[_Union[TaskMap.FAQ, _Mapping]]] = ..., steps: _Optional[_Iterable[_Union[ExecutionStep, _Mapping]]] = ..., recommendation_list: _Optional[_Iterable[_Union[Recommendation, _Mapping]]] = ..., condition_list: _Optional[_Iterable[_Union[Condition, _Mapping]]] = ..., connection_list: _Optional[_Iterable[_Union[Connection, _Mapping]]] = ..., headless: bool = ..., dataset: _Optional[str] = ..., author: _Optional[str] = ..., rating_count: _Optional[int] = ..., domain_name: _Optional[str] = ..., difficulty: _Optional[str] = ..., views: _Optional[int] = ..., logic_nodes_list: _Optional[_Iterable[_Union[LogicNode, _Mapping]]] = ..., actions_list: _Optional[_Iterable[_Union[Action, _Mapping]]] = ..., replaced_ingredients: _Optional[_Iterable[_Union[ReplacedIngredient, _Mapping]]] = ..., extraction_layer: _Optional[str] = ...) -> None: ...

class Connection(_message.Message):
    __slots__ = ("id_from", "id_to")
    ID_FROM_FIELD_NUMBER: _ClassVar[int]
    ID_TO_FIELD_NUMBER: _ClassVar[int]
    id_from: str
    id_to: str
    def __init__(self, id_from: _Optional[str] = ..., id_to: _Optional[str] = ...) -> None: ...

class Requirement(_message.Message):
    __slots__ = ("unique_id", "type", "name", "amount", "linked_taskmap_id")
    class RequirementType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        SOFTWARE: _ClassVar[Requirement.RequirementType]
        HARDWARE: _ClassVar[Requirement.RequirementType]
    SOFTWARE: Requirement.RequirementType
    HARDWARE: Requirement.RequirementType
    UNIQUE_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    LINKED_TASKMAP_ID_FIELD_NUMBER: _ClassVar[int]
    unique_id: str
    type: Requirement.RequirementType
    name: str
    amount: str
    linked_taskmap_id: str
    def __init__(self, unique_id: _Optional[str] = ..., type: _Optional[_Union[Requirement.RequirementType, str]] = ..., name: _Optional[str] = ..., amount: _Optional[str] = ..., linked_taskmap_id: _Optional[str] = ...) -> None: ...

class Recommendation(_message.Message):
    __slots__ = ("unique_id", "type", "text")
    class RecommendationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        SAFETY: _ClassVar[Recommendation.RecommendationType]
        ENVIRONMENTAL: _ClassVar[Recommendation.RecommendationType]
    SAFETY: Recommendation.RecommendationType
    ENVIRONMENTAL: Recommendation.RecommendationType
    UNIQUE_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    unique_id: str
    type: Recommendation.RecommendationType
    text: str
    def __init__(self, unique_id: _Optional[str] = ..., type: _Optional[_Union[Recommendation.RecommendationType, str]] = ..., text: _Optional[str] = ...) -> None: ...

class Condition(_message.Message):
    __slots__ = ("unique_id", "text", "default")
    UNIQUE_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_FIELD_NUMBER: _ClassVar[int]
    unique_id: str
    text: str
    default: str
    def __init__(self, unique_id: _Optional[str] = ..., text: _Optional[str] = ..., default: _Optional[str] = ...) -> None: ...

class LogicNode(_message.Message):
    __slots__ = ("unique_id", "type")
    UNIQUE_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    unique_id: str
    type: str
    def __init__(self, unique_id: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class Action(_message.Message):
    __slots__ = ("unique_id", "action_text")
    UNIQUE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_TEXT_FIELD_NUMBER: _ClassVar[int]
    unique_id: str
    action_text: str
    def __init__(self, unique_id: _Optional[str] = ..., action_text: _Optional[str] = ...) -> None: ...

class ExecutionStep(_message.Message):
    __slots__ = ("unique_id", "response", "active_duration_minutes", "total_duration_minutes")
    UNIQUE_ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    unique_id: str
    response: OutputInteraction
    active_duration_minutes: int
    total_duration_minutes: int
    def __init__(self, unique_id: _Optional[str] = ..., response: _Optional[_Union[OutputInteraction, _Mapping]] = ..., active_duration_minutes: _Optional[int] = ..., total_duration_minutes: _Optional[int] = ...) -> None: ...

class ExtraInfo(_message.Message):
    __slots__ = ("type", "text", "unique_id", "keyword", "image_url")
    class InfoType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        TIP: _ClassVar[ExtraInfo.InfoType]
        WARNING: _ClassVar[ExtraInfo.InfoType]
        EXPLANATION: _ClassVar[ExtraInfo.InfoType]
        QUESTION: _ClassVar[ExtraInfo.InfoType]
        JOKE: _ClassVar[ExtraInfo.InfoType]
        PUN: _ClassVar[ExtraInfo.InfoType]
        EXTRADETAILS: _ClassVar[ExtraInfo.InfoType]
        FUNFACT: _ClassVar[ExtraInfo.InfoType]
    TIP: ExtraInfo.InfoType
    WARNING: ExtraInfo.InfoType
    EXPLANATION: ExtraInfo.InfoType
    QUESTION: ExtraInfo.InfoType
    JOKE: ExtraInfo.InfoType
    PUN: ExtraInfo.InfoType
    EXTRADETAILS: ExtraInfo.InfoType
    FUNFACT: ExtraInfo.InfoType
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_ID_FIELD_NUMBER: _ClassVar[int]
    KEYWORD_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    type: ExtraInfo.InfoType
    text: str
    unique_id: str
    keyword: str
    image_url: str
    def __init__(self, type: _Optional[_Union[ExtraInfo.InfoType, str]] = ..., text: _Optional[str] = ..., unique_id: _Optional[str] = ..., keyword: _Optional[str] = ..., image_url: _Optional[str] = ...) -> None: ...

class Video(_message.Message):
    __slots__ = ("doc_id", "hosted_mp4", "title", "start_time", "end_time")
    DOC_ID_FIELD_NUMBER: _ClassVar[int]
    HOSTED_MP4_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    doc_id: str
    hosted_mp4: str
    title: str
    start_time: float
    end_time: float
    def __init__(self, doc_id: _Optional[str] = ..., hosted_mp4: _Optional[str] = ..., title: _Optional[str] = ..., start_time: _Optional[float] = ..., end_time: _Optional[float] = ...) -> None: ...

class ScreenInteraction(_message.Message):
    __slots__ = ("format", "headline", "paragraphs", "footer", "image_list", "on_click_list", "hint_text", "buttons", "video", "requirements", "background", "subheader", "caption_query", "extra_information")
    class ScreenFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        TEXT_ONLY: _ClassVar[ScreenInteraction.ScreenFormat]
        TEXT_LIST: _ClassVar[ScreenInteraction.ScreenFormat]
        IMAGE_CAROUSEL: _ClassVar[ScreenInteraction.ScreenFormat]
        TEXT_IMAGE: _ClassVar[ScreenInteraction.ScreenFormat]
        VIDEO: _ClassVar[ScreenInteraction.ScreenFormat]
        SUMMARY: _ClassVar[ScreenInteraction.ScreenFormat]
        GRID_LIST: _ClassVar[ScreenInteraction.ScreenFormat]
        FAREWELL: _ClassVar[ScreenInteraction.ScreenFormat]
    TEXT_ONLY: ScreenInteraction.ScreenFormat
    TEXT_LIST: ScreenInteraction.ScreenFormat
    IMAGE_CAROUSEL: ScreenInteraction.ScreenFormat
    TEXT_IMAGE: ScreenInteraction.ScreenFormat
    VIDEO: ScreenInteraction.ScreenFormat
    SUMMARY: ScreenInteraction.ScreenFormat
    GRID_LIST: ScreenInteraction.ScreenFormat
    FAREWELL: ScreenInteraction.ScreenFormat
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    HEADLINE_FIELD_NUMBER: _ClassVar[int]
    PARAGRAPHS_FIELD_NUMBER: _ClassVar[int]
    FOOTER_FIELD_NUMBER: _ClassVar[int]
    IMAGE_LIST_FIELD_NUMBER: _ClassVar[int]
    ON_CLICK_LIST_FIELD_NUMBER: _ClassVar[int]
    HINT_TEXT_FIELD_NUMBER: _ClassVar[int]
    BUTTONS_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    REQUIREMENTS_FIELD_NUMBER: _ClassVar[int]
    BACKGROUND_FIELD_NUMBER: _ClassVar[int]
    SUBHEADER_FIELD_NUMBER: _ClassVar[int]
    CAPTION_QUERY_FIELD_NUMBER: _ClassVar[int]
    EXTRA_INFORMATION_FIELD_NUMBER: _ClassVar[int]
    format: ScreenInteraction.ScreenFormat
    headline: str
    paragraphs: _containers.RepeatedScalarFieldContainer[str]
    footer: str
    image_list: _containers.RepeatedCompositeFieldContainer[Image]
    on_click_list: _containers.RepeatedScalarFieldContainer[str]
    hint_text: str
    buttons: _containers.RepeatedScalarFieldContainer[str]
    video: Video
    requirements: _containers.RepeatedScalarFieldContainer[str]
    background: str
    subheader: str
    caption_query: str
    extra_information: _containers.RepeatedCompositeFieldContainer[ExtraInfo]
    def __init__(self, format: _Optional[_Union[ScreenInteraction.ScreenFormat, str]] = ..., headline: _Optional[str] = ..., paragraphs: _Optional[_Iterable[str]] = ..., footer: _Optional[str] = ..., image_list: _Optional[_Iterable[_Union[Image, _Mapping]]] = ..., on_click_list: _Optional[_Iterable[str]] = ..., hint_text: _Optional[str] = ..., buttons: _Optional[_Iterable[str]] = ..., video: _Optional[_Union[Video, _Mapping]] = ..., requirements: _Optional[_Iterable[str]] = ..., background: _Optional[str] = ..., subheader: _Optional[str] = ..., caption_query: _Optional[str] = ..., extra_information: _Optional[_Iterable[_Union[ExtraInfo, _Mapping]]] = ...) -> None: ...

class Image(_message.Message):
    __slots__ = ("path", "alt_text", "title", "description", "response_on_click", "ratingValue", "tags")
    PATH_FIELD_NUMBER: _ClassVar[int]
    ALT_TEXT_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_ON_CLICK_FIELD_NUMBER: _ClassVar[int]
    RATINGVALUE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    path: str
    alt_text: str
    title: str
    description: str
    response_on_click: str
    ratingValue: float
    tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, path: _Optional[str] = ..., alt_text: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., response_on_click: _Optional[str] = ..., ratingValue: _Optional[float] = ..., tags: _Optional[_Iterable[str]] = ...) -> None: ...

class Transcript(_message.Message):
    __slots__ = ("title", "body", "image_url")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    IMAGE_URL_FIELD_NUMBER: _ClassVar[int]
    title: str
    body: str
    image_url: str
    def __init__(self, title: _Optional[str] = ..., body: _Optional[str] = ..., image_url: _Optional[str] = ...) -> None: ...

class Timer(_message.Message):
    __slots__ = ("label", "duration", "operation", "final_announcement", "play_audio", "timer_id", "state", "time", "expire_time")
    class Operation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CREATE: _ClassVar[Timer.Operation]
        PAUSE: _ClassVar[Timer.Operation]
        RESUME: _ClassVar[Timer.Operation]
        CANCEL: _ClassVar[Timer.Operation]
    CREATE: Timer.Operation
    PAUSE: Timer.Operation
    RESUME: Timer.Operation
    CANCEL: Timer.Operation
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        RUNNING: _ClassVar[Timer.State]
        PAUSED: _ClassVar[Timer.State]
        CANCELLED: _ClassVar[Timer.State]
    RUNNING: Timer.State
    PAUSED: Timer.State
    CANCELLED: Timer.State
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    FINAL_ANNOUNCEMENT_FIELD_NUMBER: _ClassVar[int]
    PLAY_AUDIO_FIELD_NUMBER: _ClassVar[int]
    TIMER_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    label: str
    duration: str
    operation: Timer.Operation
    final_announcement: str
    play_audio: bool
    timer_id: str
    state: Timer.State
    time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, label: _Optional[str] = ..., duration: _Optional[str] = ..., operation: _Optional[_Union[Timer.Operation, str]] = ..., final_announcement: _Optional[str] = ..., play_audio: bool = ..., timer_id: _Optional[str] = ..., state: _Optional[_Union[Timer.State, str]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class List(_message.Message):
    __slots__ = ("items", "name")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedScalarFieldContainer[str]
    name: str
    def __init__(self, items: _Optional[_Iterable[str]] = ..., name: _Optional[str] = ...) -> None: ...

class OutputSource(_message.Message):
    __slots__ = ("policy", "filename", "line_number", "message")
    POLICY_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    LINE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    policy: str
    filename: str
    line_number: int
    message: str
    def __init__(self, policy: _Optional[str] = ..., filename: _Optional[str] = ..., line_number: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class OutputInteraction(_message.Message):
    __slots__ = ("speech_text", "close_interaction", "screen", "transcript", "timer", "description", "list", "ask_list_permissions", "pause_interaction", "idle_timeout", "reprompt", "source")
    SPEECH_TEXT_FIELD_NUMBER: _ClassVar[int]
    CLOSE_INTERACTION_FIELD_NUMBER: _ClassVar[int]
    SCREEN_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_FIELD_NUMBER: _ClassVar[int]
    TIMER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LIST_FIELD_NUMBER: _ClassVar[int]
    ASK_LIST_PERMISSIONS_FIELD_NUMBER: _ClassVar[int]
    PAUSE_INTERACTION_FIELD_NUMBER: _ClassVar[int]
    IDLE_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    REPROMPT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    speech_text: str
    close_interaction: bool
    screen: ScreenInteraction
    transcript: Transcript
    timer: Timer
    description: str
    list: List
    ask_list_permissions: bool
    pause_interaction: bool
    idle_timeout: int
    reprompt: str
    source: OutputSource
    def __init__(self, speech_text: _Optional[str] = ..., close_interaction: bool = ..., screen: _Optional[_Union[ScreenInteraction, _Mapping]] = ..., transcript: _Optional[_Union[Transcript, _Mapping]] = ..., timer: _Optional[_Union[Timer, _Mapping]] = ..., description: _Optional[str] = ..., list: _Optional[_Union[List, _Mapping]] = ..., ask_list_permissions: bool = ..., pause_interaction: bool = ..., idle_timeout: _Optional[int] = ..., reprompt: _Optional[str] = ..., source: _Optional[_Union[OutputSource, _Mapping]] = ...) -> None: ...
